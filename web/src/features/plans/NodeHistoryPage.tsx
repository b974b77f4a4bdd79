// A 施策's or 事業's history across plans in one read (GetNodeHistory): the versions it came from,
// oldest plan first, with how each was carried into the next (継続, 名称変更, 分割, 統合), and every
// indicator of any version with its years — one continuous record through revisions.
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import { warekiFiscalYear } from '../../lib/fiscal';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { IndicatorYearsTable } from './IndicatorYearsTable';

export const RELATION_LABEL: Record<string, string> = {
  CONTINUED: '継続',
  RENAMED: '名称変更',
  SPLIT_FROM: '分割',
  MERGED_FROM: '統合',
};

export function NodeHistoryPage() {
  const { municipality = '', plan = '', node = '' } = useParams();
  const history = useQuery({
    queryKey: ['nodeHistory', municipality, plan, node],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/nodes/{node}:history', {
          params: { path: { municipality, plan, node } },
        }),
      ),
  });
  const versions = history.data?.versions ?? [];
  const newest = versions[versions.length - 1];
  return (
    <>
      <PageTitle>{newest ? `${newest.code} ${newest.displayName}の経緯` : '施策・事業の経緯'}</PageTitle>
      {history.isPending && <Loading what="経緯" />}
      {history.error && <ErrorBox error={history.error} />}
      {history.data && (
        <>
          <h2 className="mb-2 text-std-20B-150">計画ごとの版</h2>
          <ol className="mb-6 grid gap-2" data-testid="node-versions">
            {versions.map((v) => (
              <li key={v.node} className="rounded-8 border border-solid-gray-420 p-3" data-testid="node-version">
                <p className="text-dns-14N-130 text-solid-gray-700">
                  {v.planDisplayName} {v.planVersionLabel}（{warekiFiscalYear(v.startYear ?? 0)}〜）
                </p>
                <p className="text-std-16B-170">
                  {v.code} {v.displayName}
                </p>
                {v.relationToNext && <p className="text-dns-14N-130">次の版へ: {RELATION_LABEL[v.relationToNext] ?? v.relationToNext}</p>}
              </li>
            ))}
          </ol>
          <h2 className="mb-2 text-std-20B-150">指標の推移</h2>
          {(history.data.indicators ?? []).length === 0 && <p className="text-std-16N-170">どの版にも指標はありません。</p>}
          {(history.data.indicators ?? []).map((h) => (
            <section key={h.indicator?.name} className="mb-4" data-testid="node-indicator">
              <h3 className="mb-1 text-std-18B-160">
                <Link className="text-blue-1000 underline" to={`/app/indicators/${municipality}/${(h.indicator?.name ?? '').split('/')[3]}`}>
                  {h.indicator?.code} {h.indicator?.displayName}
                </Link>
              </h3>
              {(h.points ?? []).length === 0 ? (
                <p className="text-std-16N-170">まだ年度の値がありません。</p>
              ) : (
                <IndicatorYearsTable points={h.points ?? []} caption={`${h.indicator?.displayName}の年度ごとの目標と実績`} className="text-dns-14N-130" />
              )}
            </section>
          ))}
        </>
      )}
    </>
  );
}
