import { describe, expect, it } from 'vitest';
import { columnLetter, columnYear, countBySeverity, orderFindings, roleLabel, type Finding } from './findings';

const f = (row: number, severity: Finding['severity']): Finding => ({ row, severity, code: 'X' });

describe('findings', () => {
  it('count per severity and put errors first, in file order', () => {
    const list = [f(9, 'FINDING_SEVERITY_INFO'), f(7, 'FINDING_SEVERITY_ERROR'), f(3, 'FINDING_SEVERITY_WARNING'), f(2, 'FINDING_SEVERITY_ERROR')];
    expect(countBySeverity(list)).toEqual({ error: 2, warning: 1, info: 1 });
    expect(orderFindings(list).map((x) => x.row)).toEqual([2, 7, 3, 9]);
  });
});

describe('recognised columns', () => {
  it('names columns as Excel does and roles as the 企画課 does', () => {
    expect([0, 25, 26, 51, 52, 701, 702].map(columnLetter)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA']);
    expect(roleLabel('baseline')).toBe('基準値');
    expect(roleLabel('something-new')).toBe('something-new');
  });
});

describe('column years', () => {
  it('says 年 for a calendar year and marks part-years and final targets', () => {
    expect(columnYear({ fiscalYear: 2020 })).toBe('令和2年度');
    expect(columnYear({ fiscalYear: 2020, calendarYear: true })).toBe('令和2年');
    expect(columnYear({ fiscalYear: 2021, partial: true })).toBe('令和3年度（年度途中の値・評価しない）');
    expect(columnYear({ fiscalYear: 2031, isFinal: true })).toBe('令和13年度（最終目標）');
    expect(columnYear({})).toBe('—');
  });
});
