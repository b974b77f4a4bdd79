// 年度 (fiscal year, April to March) as Japanese municipalities count it, always in Japan time:
// a staff member working late on 31 March in UTC+9 is still in the old fiscal year, and one at
// 00:30 on 1 April JST (15:30 UTC the day before) is already in the new one.
const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

export function fiscalYearOf(date: Date): number {
  const jst = new Date(date.getTime() + JST_OFFSET_MS);
  const year = jst.getUTCFullYear();
  return jst.getUTCMonth() >= 3 ? year : year - 1;
}

/**
 * The year whose actuals a department reports now: the fiscal year that ended last (results of
 * 令和7年度 are entered in 令和8年度), kept within the plan's period.
 */
export function reportingYear(now: Date, periodStart: number, periodEnd: number): number {
  const last = fiscalYearOf(now) - 1;
  if (periodEnd && last > periodEnd) return periodEnd;
  if (periodStart && last < periodStart) return periodStart;
  return last;
}

/** 2020 → "令和2年度"; years before 令和 in 平成. */
export function warekiFiscalYear(year: number): string {
  if (year >= 2019) return `令和${year - 2018 === 1 ? '元' : year - 2018}年度`;
  if (year >= 1989) return `平成${year - 1988 === 1 ? '元' : year - 1988}年度`;
  return `${year}年度`;
}
