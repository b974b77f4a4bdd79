import { describe, expect, it } from 'vitest';
import type { IndicatorResult } from '../../api/client';
import { filterRows, toRows } from './useIndicatorRows';

const M = 'municipalities/142140';
const res = (id: string, o: Partial<IndicatorResult>): IndicatorResult => ({
  indicator: `${M}/indicators/${id}`,
  code: id,
  displayName: `指標${id}`,
  departments: [`${M}/departments/kosodate`],
  ...o,
});

describe('toRows', () => {
  it('joins last year, names the observation and derives the state', () => {
    const rows = toRows(
      [
        res('a', { target: { raw: '176人' }, actual: { raw: '112人' }, reviewState: 'REVIEW_STATE_SUBMITTED' }),
        res('b', { target: { raw: '1箇所' } }),
        res('c', { actual: { raw: '3件' } }),
      ],
      [res('a', { actual: { raw: '150人' } })],
      2021,
    );
    expect(rows.map((r) => r.state)).toEqual(['submitted', 'missing', 'draft']);
    expect(rows[0]!.lastYear).toBe('150人');
    expect(rows[1]!.lastYear).toBe('');
    expect(rows[0]!.observation).toBe(`${M}/indicators/a/observations/2021`);
  });
});

describe('filterRows', () => {
  it('keeps the departments asked for, all when none', () => {
    const rows = toRows(
      [res('a', {}), res('b', { departments: [`${M}/departments/kikaku`] })],
      [],
      2020,
    );
    expect(filterRows(rows, [`${M}/departments/kikaku`]).map((r) => r.code)).toEqual(['b']);
    expect(filterRows(rows, [])).toHaveLength(2);
  });
});
