import type { Plan } from '../../api/client';
import { reportingYear, warekiFiscalYear } from '../../lib/fiscal';

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
    <div className="flex flex-col text-dns-16N-130">
      <label htmlFor="fiscal-year">年度</label>
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
    </div>
  );
}
