// One yearly evaluation as everybody reads it: stage, grade totals, the distribution per level
// (chart with a table view), and every indicator with its grade. Used by the 企画課 and, once
// published, by citizens.
import { useMemo, useState } from 'react';
import { api, type Evaluation, unwrap } from '../../api/client';
import { warekiFiscalYear } from '../../lib/fiscal';
import { Button } from '../../ui/Button';
import { Chart, type ChartOption } from '../../ui/Chart';
import { ErrorBox } from '../../ui/Status';
import { gradeColors, gradeMatrix, levelsOf } from '../plans/gradeChart';
import { dispositionFilename, saveBlob } from '../../lib/files';
import { IndicatorTable } from './IndicatorTable';
import { stageLabel } from './stages';

export function EvaluationView({ evaluation, municipality, plan }: { evaluation: Evaluation; municipality: string; plan: string }) {
  const s = evaluation.summary ?? {};
  const nodes = s.nodes ?? [];
  const levels = levelsOf(nodes);
  const level = levels[Math.min(1, levels.length - 1)] ?? 1;
  const matrix = useMemo(() => gradeMatrix(nodes, level, (s.gradeCounts ?? []).map((g) => g.grade ?? '')), [nodes, level, s.gradeCounts]);
  const [asTable, setAsTable] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const year = evaluation.fiscalYear ?? 0;
  const option: ChartOption = useMemo(() => {
    const palette = gradeColors(matrix.grades, {});
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'value', name: '指標数', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: matrix.rows.map((r) => (r.label.length > 18 ? `${r.label.slice(0, 18)}…` : r.label)) },
      series: matrix.grades.map((g, i) => ({ name: g, type: 'bar', stack: 'g', itemStyle: { color: palette[i] }, data: matrix.rows.map((r) => r.counts[i]) })),
    };
  }, [matrix]);

  const downloadBook = async (format: 'BOOK_FORMAT_HTML' | 'BOOK_FORMAT_PDF') => {
    setDownloadError(null);
    try {
      const r = await api.GET('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}:book', {
        params: { path: { municipality, plan, evaluation: String(year) }, query: { format, alt: 'media' } },
        parseAs: 'blob',
      });
      const blob = unwrap(r) as Blob;
      saveBlob(blob, dispositionFilename(r.response.headers.get('Content-Disposition'), `evaluation-book-${year}.${format === 'BOOK_FORMAT_PDF' ? 'pdf' : 'html'}`));
    } catch (e) {
      setDownloadError(e);
    }
  };

  const download = async () => {
    setDownloadError(null);
    try {
      const r = await api.GET('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}:report', {
        params: { path: { municipality, plan, evaluation: String(year) }, query: { format: 'REPORT_FORMAT_HTML', alt: 'media' } },
        parseAs: 'blob',
      });
      const blob = unwrap(r) as Blob;
      saveBlob(blob, dispositionFilename(r.response.headers.get('Content-Disposition'), `evaluation-${year}.html`));
    } catch (e) {
      setDownloadError(e);
    }
  };

  return (
    <div>
      <p className="mb-2 text-std-16N-170">
        {warekiFiscalYear(year)} ・ 段階: <strong data-testid="stage">{stageLabel(evaluation.stage)}</strong>
      </p>
      <ul className="mb-4 flex flex-wrap gap-2">
        {(s.gradeCounts ?? []).map((g) => (
          <li key={g.grade} className="rounded-8 border border-solid-gray-420 px-3 py-2 text-dns-16B-130">
            {g.grade}: {g.count ?? 0}件
          </li>
        ))}
      </ul>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-std-20B-150">施策ごとの評価の分布</h2>
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
            {asTable ? 'グラフで表示' : '表で表示'}
          </Button>
          <Button variant="secondary" onClick={download}>
            報告書（HTML）をダウンロード
          </Button>
          <Button variant="secondary" onClick={() => downloadBook('BOOK_FORMAT_HTML')}>
            評価結果報告書（HTML）
          </Button>
          <Button variant="secondary" onClick={() => downloadBook('BOOK_FORMAT_PDF')}>
            評価結果報告書（PDF）
          </Button>
        </div>
      </div>
      {downloadError !== null && <ErrorBox error={downloadError} />}
      {asTable || matrix.rows.length === 0 ? null : (
        <Chart option={option} height={Math.max(240, matrix.rows.length * 34 + 60)} label={`施策ごとの評価の分布。${matrix.rows.map((r) => `${r.label}: ${matrix.grades.map((g, i) => `${g}${r.counts[i]}件`).join('、')}`).join('。')}`} />
      )}
      <Judged evaluation={evaluation} />
      <h2 className="mb-2 mt-6 text-std-20B-150">指標ごとの評価（{(s.indicators ?? []).length} 件）</h2>
      <IndicatorTable results={s.indicators ?? []} caption="指標ごとの目標、実績、達成率と評価" />
    </div>
  );
}

/** The judgements that differ from the computed grades, and corrections after publication. */
function Judged({ evaluation }: { evaluation: Evaluation }) {
  const overrides = [...(evaluation.summary?.nodes ?? []), ...(evaluation.summary?.packages ?? [])].filter((n) => n.overrideGrade);
  const amendments = evaluation.amendments ?? [];
  if (overrides.length === 0 && amendments.length === 0) return null;
  const names = new Map((evaluation.summary?.indicators ?? []).map((r) => [r.indicator ?? '', r.displayName ?? '']));
  return (
    <section aria-labelledby="judged" className="mt-6">
      <h2 id="judged" className="mb-2 text-std-20B-150">
        企画課の判断と訂正
      </h2>
      <ul className="grid gap-1 text-std-16N-170" data-testid="judgements">
        {overrides.map((n) => (
          <li key={n.subject}>
            {n.code} {n.displayName}: 計算値 {n.computedGrade || '—'} → 判断 {n.overrideGrade}（{n.overrideComment}）
          </li>
        ))}
        {amendments.map((a, i) => (
          <li key={i}>
            訂正 {names.get(a.indicator ?? '') ?? a.indicator}: {a.before?.grade || '—'} → {a.after?.grade || '—'}（{a.reason}）
          </li>
        ))}
      </ul>
    </section>
  );
}
