// An indicator's years as a table — target in force, the actual as written, the grade — for the
// indicator page and a node's history.
import type { Schemas } from '../../api/client';
import { warekiFiscalYear } from '../../lib/fiscal';
import { TableHead } from '../../ui/TableHead';

type Point = Schemas['sokei.kpi.v1.HistoryPoint'];

export function IndicatorYearsTable({ points, caption, className = 'text-dns-16N-130' }: { points: Point[]; caption: string; className?: string }) {
  return (
    <div className="overflow-x-auto">
      <table className={`min-w-full border-collapse ${className}`}>
        <caption className="sr-only">{caption}</caption>
        <TableHead columns={['年度', '目標', '実績（書かれていたとおり）', '評価']} />
        <tbody>
          {points.map((p) => (
            <tr key={p.fiscalYear}>
              <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                {warekiFiscalYear(p.fiscalYear ?? 0)}
              </th>
              <td className="border border-solid-gray-420 p-2">{p.target?.value?.raw || '—'}</td>
              <td className="border border-solid-gray-420 p-2">{p.observation?.value?.raw || '—'}</td>
              <td className="border border-solid-gray-420 p-2">{p.result?.grade || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
