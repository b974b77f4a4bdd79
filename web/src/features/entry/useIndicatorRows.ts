// The rows of the entry and review screens: every indicator of a plan in a fiscal year with its
// target, last year's value, this year's value and its review state — from two plan summaries
// (this year and last), so a department's 40 indicators cost two requests, not eighty.
import type { IndicatorResult } from '../../api/client';
import { stateOf, type EntryState } from '../review/states';
import { usePlanSummary } from '../plans/usePlanSummary';

export interface IndicatorRow {
  indicator: string; // municipalities/{m}/indicators/{i}
  observation: string; // its observation of the year (may not exist yet)
  code: string;
  name: string;
  departments: string[];
  target: string;
  lastYear: string;
  actual: string;
  grade: string;
  state: EntryState;
}

export function rowState(r: IndicatorResult): EntryState {
  return stateOf(r.reviewState, !!(r.actual?.raw || r.actual?.value));
}

export function toRows(thisYear: IndicatorResult[], lastYear: IndicatorResult[], year: number): IndicatorRow[] {
  const previous = new Map(lastYear.map((r) => [r.indicator ?? '', r]));
  return thisYear.map((r) => ({
    indicator: r.indicator ?? '',
    observation: `${r.indicator}/observations/${year}`,
    code: r.code ?? '',
    name: r.displayName ?? '',
    departments: r.departments ?? [],
    target: r.target?.raw ?? '',
    lastYear: previous.get(r.indicator ?? '')?.actual?.raw ?? '',
    actual: r.actual?.raw ?? '',
    grade: r.grade ?? '',
    state: rowState(r),
  }));
}

/** Rows of the departments given ([] = all), ordered by the city's code. */
export function filterRows(rows: IndicatorRow[], departments: string[]): IndicatorRow[] {
  if (departments.length === 0) return rows;
  return rows.filter((r) => r.departments.some((d) => departments.includes(d)));
}

export function useIndicatorRows(municipality: string, plan: string, year: number) {
  const now = usePlanSummary(municipality, plan, year);
  const before = usePlanSummary(municipality, plan, year - 1);
  const rows =
    now.data && !before.isPending
      ? toRows(now.data.indicators ?? [], before.data?.indicators ?? [], year)
      : undefined;
  return { rows, isPending: now.isPending, error: now.error, refetch: now.refetch };
}
