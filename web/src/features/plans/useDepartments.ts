import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** The municipality's departments (課), for their names. */
export function useDepartments(municipality: string) {
  return useQuery({
    queryKey: ['departments', municipality],
    enabled: !!municipality,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/departments', {
          params: { path: { municipality }, query: { pageSize: 500 } },
        }),
      ).departments ?? [],
  });
}
