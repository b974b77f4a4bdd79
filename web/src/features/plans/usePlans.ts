import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** The municipality's plans. */
export function usePlans(municipality: string) {
  return useQuery({
    queryKey: ['plans', municipality],
    enabled: !!municipality,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans', {
          params: { path: { municipality }, query: { pageSize: 100 } },
        }),
      ).plans ?? [],
  });
}
