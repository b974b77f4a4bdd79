import { useQuery } from '@tanstack/react-query';
import type { ConsoleConfig } from './session';

/** What the gateway says at /console/config.json: how staff sign in, whose results are public. */
export function useConsoleConfig() {
  return useQuery({
    queryKey: ['console-config'],
    queryFn: async (): Promise<ConsoleConfig> => {
      const r = await fetch('/console/config.json');
      if (!r.ok) return { auth: 'public', municipality: '' };
      return (await r.json()) as ConsoleConfig;
    },
    staleTime: Infinity,
  });
}
