import { useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import { dispositionFilename, saveBlob } from '../../lib/files';
import { Button } from '../../ui/Button';
import { Chart, type ChartOption } from '../../ui/Chart';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { warekiFiscalYear } from '../../lib/fiscal';
import { gradeColors, gradeMatrix, levelsOf } from './gradeChart';
import { useGradingScheme, usePlan, usePlanSummary } from './usePlanSummary';
import { YearSelect, defaultYear } from './YearSelect';
import { Field } from '../../ui/Field';

export function PlanDashboard() {
  const { municipality = '', plan = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const planQ = usePlan(municipality, plan);
  const year = Number(search.get('year')) || defaultYear(planQ.data);
  const summary = usePlanSummary(municipality, plan, year);
  const scheme = useGradingScheme(municipality, plan);
  const [level, setLevel] = useState<number | null>(null);
  const [asTable, setAsTable] = useState(false);

  const nodes = summary.data?.nodes ?? [];
  const levels = levelsOf(nodes);
  const shownLevel = level ?? levels[Math.min(1, levels.length - 1)] ?? 1;
  const levelName = planQ.data?.levels?.[shownLevel - 1]?.displayName ?? `第${shownLevel}階層`;
  const order = (scheme.data?.bands ?? []).map((b) => b.label ?? '');
  const colors = Object.fromEntries((scheme.data?.bands ?? []).map((b) => [b.label ?? '', b.color ?? '']));
  const matrix = useMemo(() => gradeMatrix(nodes, shownLevel, order), [nodes, shownLevel, order.join('|')]);

  const option: ChartOption = useMemo(() => {
    const palette = gradeColors(matrix.grades, colors);
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'value', name: '指標数', minInterval: 1 },
      yAxis: {
        type: 'category',
        inverse: true,
        data: matrix.rows.map((r) => (r.label.length > 18 ? `${r.label.slice(0, 18)}…` : r.label)),
      },
      series: matrix.grades.map((g, i) => ({
        name: g,
        type: 'bar',
        stack: 'grades',
        itemStyle: { color: palette[i] },
        data: matrix.rows.map((r) => r.counts[i]),
      })),
    };
  }, [matrix, colors]);

  return (
    <>
      <p className="text-dns-14N-130">
        <Link className="text-blue-1000 underline" to="/app/plans">
          計画の一覧
        </Link>
      </p>
      <PageTitle>{planQ.data?.displayName ?? '計画'}</PageTitle>
      {planQ.error && <ErrorBox error={planQ.error} />}
      <div className="mb-4 flex flex-wrap items-end gap-4">
        <YearSelect plan={planQ.data} year={year} onChange={(y) => setSearch({ year: String(y) })} />
        <ExportButtons municipality={municipality} plan={plan} year={year} />
        {levels.length > 1 && (
          <Field id="rollup-level" label="集計の階層">
            <select
              id="rollup-level"
              className="mt-1 min-h-11 rounded-8 border border-solid-gray-600 px-3"
              value={shownLevel}
              onChange={(e) => setLevel(Number(e.target.value))}
            >
              {levels.map((l) => (
                <option key={l} value={l}>
                  {planQ.data?.levels?.[l - 1]?.displayName ?? `第${l}階層`}
                </option>
              ))}
            </select>
          </Field>
        )}
      </div>
      {summary.isPending && <Loading what="達成状況" />}
      {summary.error && <ErrorBox error={summary.error} />}
      {summary.data && (
        <>
          <section aria-labelledby="overall" className="mb-6">
            <h2 id="overall" className="mb-2 text-std-20B-150">
              {warekiFiscalYear(year)}の達成状況（指標 {summary.data.indicatorCount ?? 0} 件）
            </h2>
            <ul className="flex flex-wrap gap-2" data-testid="grade-totals">
              {(summary.data.gradeCounts ?? []).map((g) => (
                <li key={g.grade} className="rounded-8 border border-solid-gray-420 px-3 py-2 text-dns-16B-130">
                  {g.grade}: {g.count ?? 0}件
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="by-level" className="mb-6">
            <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
              <h2 id="by-level" className="text-std-20B-150">
                {levelName}ごとの評価の分布
              </h2>
              <button
                type="button"
                className="min-h-11 rounded-8 border border-blue-900 px-3 text-blue-900"
                aria-pressed={asTable}
                onClick={() => setAsTable(!asTable)}
              >
                {asTable ? 'グラフで表示' : '表で表示'}
              </button>
            </div>
            {asTable ? (
              <GradeTable matrix={matrix} caption={`${levelName}ごとの評価の分布（${warekiFiscalYear(year)}）`} />
            ) : (
              <Chart
                option={option}
                height={Math.max(240, matrix.rows.length * 34 + 60)}
                label={`${levelName}ごとの評価の分布。${matrix.rows
                  .map((r) => `${r.label}: ${matrix.grades.map((g, i) => `${g}${r.counts[i]}件`).join('、')}`)
                  .join('。')}`}
              />
            )}
          </section>
          <section aria-labelledby="attention">
            <h2 id="attention" className="mb-2 text-std-20B-150">
              注意が必要な指標
            </h2>
            <ul className="grid gap-2">
              {(summary.data.needsAttention ?? []).slice(0, 30).map((r) => (
                <li key={r.indicator} className="rounded-8 border border-solid-gray-420 p-3">
                  <span className="mr-2 font-bold">
                    {r.grade || '—'}
                    {r.provisional ? '（暫定）' : ''}
                  </span>
                  <span className="mr-2 text-solid-gray-700">{r.code}</span>
                  <Link className="text-blue-1000 underline" to={`/app/indicators/${municipality}/${(r.indicator ?? '').split('/')[3]}`}>
                    {r.displayName}
                  </Link>
                  <span className="block text-dns-14N-130 text-solid-gray-700">
                    目標 {r.target?.raw || '—'} ／ 実績 {r.actual?.raw || '未入力'} {r.reason ? `（${r.reason}）` : ''}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
    </>
  );
}

const FORMATS = [
  { format: 'TABLE_FORMAT_XLSX', label: 'Excel（xlsx）' },
  { format: 'TABLE_FORMAT_CSV_UTF8_BOM', label: 'CSV（UTF-8）' },
  { format: 'TABLE_FORMAT_CSV_CP932', label: 'CSV（Shift_JIS）' },
] as const;

/** The progress table of the year as the city keeps it, downloaded as a file. */
function ExportButtons({ municipality, plan, year }: { municipality: string; plan: string; year: number }) {
  const [error, setError] = useState<unknown>(null);
  const download = async (format: (typeof FORMATS)[number]['format']) => {
    setError(null);
    try {
      // alt=media: the gateway answers with the file itself (its type and name).
      const r = await api.GET('/v1/municipalities/{municipality}/plans/{plan}:exportProgressTable', {
        params: { path: { municipality, plan }, query: { fiscalYear: year, format, alt: 'media' } },
        parseAs: 'blob',
      });
      const blob = unwrap(r) as Blob;
      saveBlob(blob, dispositionFilename(r.response.headers.get('Content-Disposition'), `progress-${year}`));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="flex flex-col text-dns-16N-130">
      <span>進捗表をダウンロード</span>
      <div className="mt-1 flex flex-wrap gap-2">
        {FORMATS.map((f) => (
          <Button key={f.format} variant="secondary" onClick={() => download(f.format)}>
            {f.label}
          </Button>
        ))}
      </div>
      {error !== null && <ErrorBox error={error} />}
    </div>
  );
}

function GradeTable({ matrix, caption }: { matrix: ReturnType<typeof gradeMatrix>; caption: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full border-collapse text-dns-16N-130">
        <caption className="mb-2 text-left text-dns-14N-130">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="border border-solid-gray-420 p-2 text-left">
              区分
            </th>
            {matrix.grades.map((g) => (
              <th key={g} scope="col" className="border border-solid-gray-420 p-2">
                {g}
              </th>
            ))}
            <th scope="col" className="border border-solid-gray-420 p-2">
              計
            </th>
          </tr>
        </thead>
        <tbody>
          {matrix.rows.map((r) => (
            <tr key={r.subject}>
              <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                {r.label}
              </th>
              {r.counts.map((c, i) => (
                <td key={matrix.grades[i]} className="border border-solid-gray-420 p-2 text-right">
                  {c}
                </td>
              ))}
              <td className="border border-solid-gray-420 p-2 text-right">{r.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
