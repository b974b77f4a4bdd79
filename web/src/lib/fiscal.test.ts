import { describe, expect, it } from 'vitest';
import { fiscalYearOf, reportingYear, warekiFiscalYear } from './fiscal';

describe('fiscalYearOf', () => {
  it('turns on 1 April in Japan time, not UTC', () => {
    expect(fiscalYearOf(new Date('2026-03-31T14:59:59Z'))).toBe(2025); // 23:59:59 JST 31 March
    expect(fiscalYearOf(new Date('2026-03-31T15:00:00Z'))).toBe(2026); // 00:00 JST 1 April
    expect(fiscalYearOf(new Date('2026-12-31T16:00:00Z'))).toBe(2026); // 1 January JST
    expect(fiscalYearOf(new Date('2027-01-01T00:00:00Z'))).toBe(2026);
  });
});

describe('reportingYear', () => {
  it('is the fiscal year that ended last, within the plan period', () => {
    expect(reportingYear(new Date('2026-12-04T00:00:00Z'), 2023, 2027)).toBe(2025);
    expect(reportingYear(new Date('2026-12-04T00:00:00Z'), 2018, 2022)).toBe(2022);
    expect(reportingYear(new Date('2026-12-04T00:00:00Z'), 2027, 2031)).toBe(2027);
  });
});

describe('warekiFiscalYear', () => {
  it('names 令和 and 平成 years, 元年 included', () => {
    expect(warekiFiscalYear(2020)).toBe('令和2年度');
    expect(warekiFiscalYear(2019)).toBe('令和元年度');
    expect(warekiFiscalYear(2018)).toBe('平成30年度');
    expect(warekiFiscalYear(1989)).toBe('平成元年度');
  });
});
