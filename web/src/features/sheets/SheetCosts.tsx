// A sheet's money: the year's 予算・決算, 人件費 and トータルコスト beside the year before's, and
// what each unit of result cost (from the KPI service; amounts are int64 strings in JSON); a
// planner enters or corrects a 事業's amounts here (CostForm).
import { useState } from 'react';
import { Button } from '../../ui/Button';
import { TableHead } from '../../ui/TableHead';
import { warekiFiscalYear } from '../../lib/fiscal';
import { CostForm } from './CostForm';
import type { Sheet } from './sheetRules';
import { idOf } from './useSheets';

type Cost = NonNullable<Sheet['cost']>;

const yen = (v: string | number | undefined) => `${Number(v ?? 0).toLocaleString('ja-JP')}円`;
const supplementary = (c: Cost | undefined) => (c?.supplementaryBudgets ?? []).reduce((a, b) => a + Number(b), 0);

type Props = {
  sheet: Sheet;
  /** Set for a planner on a 事業's sheet: the money can be entered or corrected here. */
  edit?: { municipality: string; plan: string; onSaved: () => Promise<void> | void };
};

export function SheetCosts({ sheet, edit }: Props) {
  const [editing, setEditing] = useState(false);
  const now = sheet.cost;
  const form =
    edit && sheet.kind === 'SHEET_KIND_PROJECT' ? (
      editing ? (
        <CostForm
          municipality={edit.municipality}
          plan={edit.plan}
          costId={`${sheet.fiscalYear}-${idOf(sheet.node)}`}
          stored={now}
          onSaved={async () => {
            setEditing(false);
            await edit.onSaved();
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <Button variant="secondary" className="mt-2" onClick={() => setEditing(true)}>
          金額を入力・訂正
        </Button>
      )
    ) : null;
  if (!now) {
    if (!form) return null;
    return (
      <div className="mb-4" data-testid="sheet-costs">
        <h3 className="mb-1 text-std-18B-160">コスト</h3>
        <p className="text-std-16N-170">この年度の金額はまだありません。</p>
        {form}
      </div>
    );
  }
  const before = sheet.previousCost;
  const rows: Array<[string, number, number]> = [
    ['当初予算', Number(now.initialBudget ?? 0), Number(before?.initialBudget ?? 0)],
    ['補正予算', supplementary(now), supplementary(before)],
    ['予算現額', Number(now.currentBudget ?? 0), Number(before?.currentBudget ?? 0)],
    ['決算額', Number(now.settlement ?? 0), Number(before?.settlement ?? 0)],
    ['人件費（人工 × 単価）', Number(now.personnelCost ?? 0), Number(before?.personnelCost ?? 0)],
    ['トータルコスト', Number(now.totalCost ?? 0), Number(before?.totalCost ?? 0)],
  ];
  return (
    <div className="mb-4" data-testid="sheet-costs">
      <h3 className="mb-1 text-std-18B-160">コスト</h3>
      <div className="overflow-x-auto">
        <table className="min-w-full border-collapse text-dns-14N-130">
          <caption className="sr-only">この年度と前年度の予算・決算とトータルコスト</caption>
          <TableHead columns={['区分', warekiFiscalYear(now.fiscalYear ?? 0), ...(before ? [warekiFiscalYear(before.fiscalYear ?? 0), '増減'] : [])]} />
          <tbody>
            {rows
              .filter(([, a, b]) => a !== 0 || b !== 0)
              .map(([label, a, b]) => (
                <tr key={label}>
                  <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                    {label}
                  </th>
                  <td className="border border-solid-gray-420 p-2 text-right">{yen(a)}</td>
                  {before && <td className="border border-solid-gray-420 p-2 text-right">{yen(b)}</td>}
                  {before && <td className="border border-solid-gray-420 p-2 text-right">{yen(a - b)}</td>}
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      {!now.hasSettlement && <p className="text-dns-14N-130">決算前: トータルコストは予算現額によります。</p>}
      {(sheet.unitCosts ?? []).length > 0 && (
        <ul className="mt-2 grid gap-1 text-std-16N-170">
          {(sheet.unitCosts ?? []).map((u) => (
            <li key={u.indicator}>
              {u.displayName}: 1{u.unit || '単位'}当たり {yen(Math.round(u.yenPerUnit ?? 0))}
            </li>
          ))}
        </ul>
      )}
      {form}
    </div>
  );
}
