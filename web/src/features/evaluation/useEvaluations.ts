import { useQueries, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

function evaluationsQuery(municipality: string, plan: string) {
  return {
    queryKey: ['evaluations', municipality, plan],
    enabled: !!municipality && !!plan,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/evaluations', {
          params: { path: { municipality, plan } },
        }),
      ).evaluations ?? [],
  };
}

export function useEvaluations(municipality: string, plan: string) {
  return useQuery(evaluationsQuery(municipality, plan));
}

/** The evaluations of several plans (the same cache entries as useEvaluations). */
export function useEvaluationsOf(municipality: string, plans: string[]) {
  return useQueries({ queries: plans.map((p) => evaluationsQuery(municipality, p)) });
}

export function useEvaluation(municipality: string, plan: string, year: string) {
  return useQuery({
    queryKey: ['evaluation', municipality, plan, year],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}', {
          params: { path: { municipality, plan, evaluation: year } },
        }),
      ),
  });
}
