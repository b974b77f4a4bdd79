import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

export function usePlan(municipality: string, plan: string) {
  return useQuery({
    queryKey: ['plan', municipality, plan],
    enabled: !!municipality && !!plan,
    queryFn: async () =>
      unwrap(await api.GET('/v1/municipalities/{municipality}/plans/{plan}', { params: { path: { municipality, plan } } })),
  });
}

/** The plan's KPI summary of a fiscal year, with every indicator (view FULL). */
export function usePlanSummary(municipality: string, plan: string, fiscalYear: number) {
  return useQuery({
    queryKey: ['kpiSummary', municipality, plan, fiscalYear],
    enabled: !!municipality && !!plan && fiscalYear > 0,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}:kpiSummary', {
          params: { path: { municipality, plan }, query: { fiscalYear, view: 'SUMMARY_VIEW_FULL' } },
        }),
      ),
  });
}

export function useGradingScheme(municipality: string, plan: string) {
  return useQuery({
    queryKey: ['gradingScheme', municipality, plan],
    enabled: !!municipality && !!plan,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/gradingScheme', {
          params: { path: { municipality, plan } },
        }),
      ),
  });
}
