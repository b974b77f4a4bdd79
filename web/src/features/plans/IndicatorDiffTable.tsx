// The indicators' side of a revision's diff: added, removed, renamed or renumbered, moved to
// another 施策, another unit, other targets — as the KPI service compares the two versions.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { ErrorBox, Loading } from '../../ui/Status';
import { TableHead } from '../../ui/TableHead';

type Kind = NonNullable<Schemas['sokei.kpi.v1.IndicatorChange']['kind']>;

export const INDICATOR_CHANGE_LABEL: Record<Kind, string> = {
  INDICATOR_CHANGE_KIND_UNSPECIFIED: '—',
  INDICATOR_CHANGE_KIND_ADDED: '追加',
  INDICATOR_CHANGE_KIND_REMOVED: '削除',
  INDICATOR_CHANGE_KIND_RENAMED: '名称・番号の変更',
  INDICATOR_CHANGE_KIND_MOVED: '施策・事業の変更',
  INDICATOR_CHANGE_KIND_UNIT_CHANGED: '単位の変更',
  INDICATOR_CHANGE_KIND_RETARGETED: '目標値の変更',
};

export function IndicatorDiffTable({ municipality, plan, base }: { municipality: string; plan: string; base: string }) {
  const diff = useQuery({
    queryKey: ['indicatorDiff', municipality, plan, base],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/indicators:diff', {
          params: { path: { municipality, plan }, query: { base } },
        }),
      ),
  });
  return (
    <section aria-labelledby="indicator-diff-title" className="mt-6">
      <h2 id="indicator-diff-title" className="mb-2 text-std-20B-150">
        指標の変更
      </h2>
      {diff.isPending && <Loading what="指標の差分" />}
      {diff.error && <ErrorBox error={diff.error} />}
      {diff.data && (
        <>
          <p className="mb-2 text-std-16N-170" data-testid="indicator-diff-summary">
            変更 {(diff.data.changes ?? []).length} 件 ・ 変更なし {diff.data.unchanged ?? 0} 件
          </p>
          {(diff.data.changes ?? []).length > 0 && (
            <div className="overflow-x-auto">
              <table className="min-w-full border-collapse text-dns-14N-130">
                <caption className="sr-only">前の版から変わった指標</caption>
                <TableHead columns={['変更', '指標', '前の版', 'この版']} />
                <tbody>
                  {(diff.data.changes ?? []).map((c, i) => (
                    <tr key={i} data-testid="indicator-diff-row" data-kind={c.kind}>
                      <th scope="row" className="border border-solid-gray-420 p-2 text-left">
                        {INDICATOR_CHANGE_LABEL[c.kind ?? 'INDICATOR_CHANGE_KIND_UNSPECIFIED']}
                      </th>
                      <td className="border border-solid-gray-420 p-2">
                        {c.code} {c.displayName}
                      </td>
                      <td className="border border-solid-gray-420 p-2">{c.before || '—'}</td>
                      <td className="border border-solid-gray-420 p-2">{c.after || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
