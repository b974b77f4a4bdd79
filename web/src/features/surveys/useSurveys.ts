import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

export function useSurveys(municipality: string) {
  return useQuery({
    queryKey: ['surveys', municipality],
    enabled: !!municipality,
    queryFn: async () =>
      unwrap(await api.GET('/v1/municipalities/{municipality}/surveys', { params: { path: { municipality }, query: { pageSize: 50 } } }))
        .surveys ?? [],
  });
}
