import type { Plan } from '../../api/client';
import { reportingYear, warekiFiscalYear } from '../../lib/fiscal';
import { Field } from '../../ui/Field';

export function defaultYear(plan: Plan | undefined): number {
  if (!plan) return 0;
  return reportingYear(new Date(), plan.period?.startYear ?? 0, plan.period?.endYear ?? 0);
}

export function YearSelect({ plan, year, onChange }: { plan: Plan | undefined; year: number; onChange: (y: number) => void }) {
  const start = plan?.period?.startYear ?? year;
  const end = plan?.period?.endYear ?? year;
  const years: number[] = [];
  for (let y = start; y <= end; y++) years.push(y);
  return (
    <Field id="fiscal-year" label="年度">
      <select
        id="fiscal-year"
        className="mt-1 min-h-11 rounded-8 border border-solid-gray-600 px-3"
        value={year}
        onChange={(e) => onChange(Number(e.target.value))}
      >
        {years.map((y) => (
          <option key={y} value={y}>
            {warekiFiscalYear(y)}（{y}）
          </option>
        ))}
      </select>
    </Field>
  );
}
