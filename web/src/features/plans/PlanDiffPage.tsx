// 改定の差分: what changed from one version of a plan to another (ローリングによる見直し), by the
// nodes' lineage — added, removed, renamed or renumbered, moved, split, merged — and what changed
// in their indicators.
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, planParts, unwrap, type Schemas } from '../../api/client';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { TableHead } from '../../ui/TableHead';
import { IndicatorDiffTable } from './IndicatorDiffTable';
import { usePlans } from './usePlans';

type Kind = NonNullable<Schemas['sokei.plan.v1.NodeChange']['kind']>;

export const CHANGE_LABEL: Record<Kind, string> = {
  NODE_CHANGE_KIND_UNSPECIFIED: '—',
  NODE_CHANGE_KIND_ADDED: '新設',
  NODE_CHANGE_KIND_REMOVED: '廃止',
  NODE_CHANGE_KIND_RENAMED: '名称・番号の変更',
  NODE_CHANGE_KIND_MOVED: '体系上の位置の変更',
  NODE_CHANGE_KIND_SPLIT: '分割',
  NODE_CHANGE_KIND_MERGED: '統合',
};

export function PlanDiffPage() {
  const { municipality = '', plan = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const plans = usePlans(municipality);
  const self = (plans.data ?? []).find((p) => planParts(p.name ?? '').plan === plan);
  const base = search.get('base') || self?.supersedes || '';
  const diff = useQuery({
    queryKey: ['planDiff', municipality, plan, base],
    enabled: !!base,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}:diff', {
          params: { path: { municipality, plan }, query: { base } },
        }),
      ),
  });
  const others = (plans.data ?? []).filter((p) => p.name !== self?.name);
  return (
    <>
      <PageTitle>改定の差分</PageTitle>
      {plans.isPending && <Loading what="計画の一覧" />}
      {plans.error && <ErrorBox error={plans.error} />}
      {self && (
        <p className="mb-2 text-std-16N-170">
          {self.displayName} {self.versionLabel}
        </p>
      )}
      <div className="mb-4 flex flex-col text-dns-16N-130">
        <label htmlFor="diff-base">比べる前の版</label>
        <select id="diff-base" className="min-h-11 max-w-xl rounded-8 border border-solid-gray-600 px-2" value={base} onChange={(e) => setSearch({ base: e.target.value })}>
          <option value="">（選択してください）</option>
          {others.map((p) => (
            <option key={p.name} value={p.name}>
              {p.displayName} {p.versionLabel}
            </option>
          ))}
        </select>
      </div>
      {diff.isPending && base && <Loading what="差分" />}
      {diff.error && <ErrorBox error={diff.error} />}
      {diff.data && (
        <>
          <p className="mb-2 text-std-16N-170" data-testid="diff-summary">
            変更 {(diff.data.changes ?? []).length} 件 ・ 変更なし {diff.data.unchanged ?? 0} 件
          </p>
          <h2 className="mb-2 text-std-20B-150">施策・事業の変更</h2>
          <div className="overflow-x-auto">
            <table className="min-w-full border-collapse text-dns-14N-130">
              <caption className="sr-only">前の版から変わった施策・事業</caption>
              <TableHead columns={['変更', '前の版', 'この版']} />
              <tbody>
                {(diff.data.changes ?? []).map((c, i) => (
                  <tr key={i} data-testid="diff-row" data-kind={c.kind}>
                    <th scope="row" className="border border-solid-gray-420 p-2 text-left">
                      {CHANGE_LABEL[c.kind ?? 'NODE_CHANGE_KIND_UNSPECIFIED']}
                    </th>
                    <td className="border border-solid-gray-420 p-2">{c.before || '—'}</td>
                    <td className="border border-solid-gray-420 p-2">
                      {c.after || '—'}
                      {(c.nodes ?? []).length > 0 && (
                        <>
                          {' '}
                          <Link className="text-blue-1000 underline" to={`/app/plans/${municipality}/${plan}/nodes/${(c.nodes ?? [])[0]?.split('/')[5] ?? ''}/history`}>
                            経緯
                          </Link>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <IndicatorDiffTable municipality={municipality} plan={plan} base={base} />
        </>
      )}
    </>
  );
}
