// The evaluation sheets of a plan's year, one sheet, and the plan's sheet template.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

export function useSheetList(municipality: string, plan: string, year: number, enabled: boolean) {
  return useQuery({
    queryKey: ['sheets', municipality, plan, year],
    enabled: enabled && !!municipality && !!plan,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}/sheets', {
          params: { path: { municipality, plan, evaluation: String(year) } },
        }),
      ).sheets ?? [],
  });
}

export function useSheet(municipality: string, plan: string, year: number, sheet: string) {
  return useQuery({
    queryKey: ['sheet', municipality, plan, year, sheet],
    enabled: !!municipality && !!plan && !!sheet,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}/sheets/{sheet}', {
          params: { path: { municipality, plan, evaluation: String(year), sheet } },
        }),
      ),
  });
}

export function useSheetTemplate(municipality: string, plan: string) {
  return useQuery({
    queryKey: ['sheetTemplate', municipality, plan],
    enabled: !!municipality && !!plan,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/sheetTemplate', {
          params: { path: { municipality, plan } },
        }),
      ),
  });
}

/** The last path segment of a resource name (…/sheets/s1 → s1). */
export function idOf(name: string | undefined): string {
  return (name ?? '').split('/').pop() ?? '';
}
