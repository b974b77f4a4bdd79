// One indicator's history as chart series: actuals, the target in force each year, the baseline,
// and the linear-trend forecast to the target year. Values that are not numbers (策定, 未公表) are
// gaps, never zeros.
import type { Schemas } from '../../api/client';

export type IndicatorHistory = Schemas['sokei.kpi.v1.IndicatorHistory'];

function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export interface HistorySeries {
  years: number[];
  actual: Array<number | null>;
  target: Array<number | null>;
  baseline: number | null;
  baselineYear: number;
  forecast: Array<number | null>; // the trend line from the last actual to the target year
  unit: string;
}

export function historySeries(h: IndicatorHistory): HistorySeries {
  const points = [...(h.points ?? [])].sort((a, b) => (a.fiscalYear ?? 0) - (b.fiscalYear ?? 0));
  const years = points.map((p) => p.fiscalYear ?? 0);
  const f = h.forecast;
  if (f?.hasValue && f.targetYear && !years.includes(f.targetYear)) years.push(f.targetYear);
  const byYear = new Map(points.map((p) => [p.fiscalYear ?? 0, p]));
  const actual = years.map((y) => {
    const o = byYear.get(y)?.observation?.value;
    return o?.partialPeriod ? null : num(o?.value);
  });
  const target = years.map((y) => num(byYear.get(y)?.target?.value?.value));
  const forecast: Array<number | null> = years.map(() => null);
  let last = -1;
  actual.forEach((v, i) => {
    if (v !== null) last = i;
  });
  if (f?.hasValue && last >= 0) {
    const end = years.indexOf(f.targetYear ?? 0);
    forecast[last] = actual[last] ?? null;
    if (end > last) forecast[end] = f.value ?? null;
  }
  const b = h.indicator?.baseline;
  return {
    years,
    actual,
    target,
    baseline: num(b?.value?.value),
    baselineYear: b?.fiscalYear ?? 0,
    forecast,
    // The indicator's unit, else the one its values are written in (seed tables put it in cells).
    unit:
      h.indicator?.unit ||
      points.map((p) => p.observation?.value?.unit || p.target?.value?.unit || '').find((u) => u) ||
      b?.value?.unit ||
      '',
  };
}
