// What the 市民意識調査 said of the 施策: its importance and satisfaction, each with the number
// who answered and the 95% margin — as the survey service recorded them when it was published.
import { TableHead } from '../../ui/TableHead';
import { warekiFiscalYear } from '../../lib/fiscal';
import type { Sheet } from './sheetRules';

type Measure = NonNullable<NonNullable<Sheet['perceptions']>[number]['measures']>[number];

const ROLE: Record<string, string> = { PERCEPTION_ROLE_IMPORTANCE: '重要度', PERCEPTION_ROLE_SATISFACTION: '満足度' };

function mean(m: Measure) {
  const v = (m.meanScore ?? 0).toFixed(2);
  return m.marginKnown ? `${v}点（±${(m.meanMarginOfError ?? 0).toFixed(2)}）` : `${v}点`;
}

function share(m: Measure) {
  const v = (m.positivePercent ?? 0).toFixed(1);
  return m.marginKnown ? `${v}%（±${(m.positiveMarginOfErrorPoints ?? 0).toFixed(1)}ポイント）` : `${v}%`;
}

export function SheetPerceptions({ sheet }: { sheet: Sheet }) {
  const list = sheet.perceptions ?? [];
  if (list.length === 0) return null;
  return (
    <div className="mb-4" data-testid="sheet-perceptions">
      <h3 className="mb-1 text-std-18B-160">市民意識調査</h3>
      <div className="overflow-x-auto">
        <table className="min-w-full border-collapse text-dns-14N-130">
          <caption className="sr-only">市民意識調査によるこの施策の重要度と満足度</caption>
          <TableHead columns={['調査', '項目', '回答数', '平均', '肯定的な回答']} />
          <tbody>
            {list.flatMap((p) =>
              (p.measures ?? []).map((m) => (
                <tr key={`${p.survey}-${m.question}`} data-testid="perception-row" data-role={m.role}>
                  <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                    {p.surveyDisplayName}（{warekiFiscalYear(p.fiscalYear ?? 0)}）{m.number}
                  </th>
                  <td className="border border-solid-gray-420 p-2">{ROLE[m.role ?? ''] ?? '—'}</td>
                  <td className="border border-solid-gray-420 p-2 text-right">n={Number(m.n ?? 0).toLocaleString('ja-JP')}</td>
                  <td className="border border-solid-gray-420 p-2 text-right">{mean(m)}</td>
                  <td className="border border-solid-gray-420 p-2 text-right">{share(m)}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      <p className="text-dns-14N-130">± は95%の標本誤差。肯定的な回答: 「満足」「やや満足」（重要度は「重要」「やや重要」）の割合。</p>
    </div>
  );
}
