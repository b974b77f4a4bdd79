// The indicator results of an evaluation (or of one sheet) as a table: number, name, target,
// actual, achievement and grade, with a provisional grade and the city's own printed figures noted;
// on a sheet also each indicator's 推移 (against its latest earlier actual, else its baseline).
import type { IndicatorResult } from '../../api/client';
import { percentText } from '../../lib/percent';
import { TableHead } from '../../ui/TableHead';

/** indicator name → its 推移 as text (a sheet's trends). */
export type TrendTexts = Map<string, string>;

export function IndicatorTable({ results, caption, trends }: { results: IndicatorResult[]; caption: string; trends?: TrendTexts }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full border-collapse text-dns-14N-130">
        <caption className="sr-only">{caption}</caption>
        <TableHead columns={['番号', '指標', '目標', '実績', '達成率', ...(trends ? ['推移'] : []), '評価']} />
        <tbody>
          {results.map((r) => (
            <tr key={r.indicator}>
              <td className="border border-solid-gray-420 p-2">{r.code}</td>
              <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                {r.displayName}
              </th>
              <td className="border border-solid-gray-420 p-2">{r.target?.raw || '—'}</td>
              <td className="border border-solid-gray-420 p-2">{r.actual?.raw || '—'}</td>
              <td className="border border-solid-gray-420 p-2 text-right">{r.hasAchievement ? percentText(r.achievement ?? 0) : '—'}</td>
              {trends && <td className="border border-solid-gray-420 p-2" data-testid="indicator-trend">{trends.get(r.indicator ?? '') || '—'}</td>}
              <td className="border border-solid-gray-420 p-2 text-center font-bold">
                {r.grade || '—'}
                {r.provisional && <span className="block text-dns-14N-130 font-normal text-solid-gray-700">（暫定: 方向の確認待ち）</span>}
                {(r.reportedGrade || r.reportedRate) && (
                  <span className="block text-dns-14N-130 font-normal text-solid-gray-700">
                    市の表: {[r.reportedRate, r.reportedGrade].filter(Boolean).join(' ')}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
