import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

export function useEvaluations(municipality: string, plan: string) {
  return useQuery({
    queryKey: ['evaluations', municipality, plan],
    enabled: !!municipality && !!plan,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/evaluations', {
          params: { path: { municipality, plan } },
        }),
      ).evaluations ?? [],
  });
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
