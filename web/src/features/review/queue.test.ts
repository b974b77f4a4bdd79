import { describe, expect, it } from 'vitest';
import type { IndicatorRow } from '../entry/useIndicatorRows';
import { buildQueue } from './queue';

const row = (code: string, departments: string[], state: IndicatorRow['state']): IndicatorRow => ({
  indicator: `i/${code}`,
  observation: `i/${code}/observations/2020`,
  code,
  name: code,
  departments,
  target: '',
  lastYear: '',
  actual: '',
  grade: '',
  state,
});

describe('buildQueue', () => {
  it('groups by department, counts states and puts submissions first', () => {
    const q = buildQueue([
      row('1', ['d/a'], 'approved'),
      row('2', ['d/b'], 'submitted'),
      row('3', ['d/b'], 'missing'),
      row('4', [], 'missing'),
      row('5', ['d/a', 'd/b'], 'returned'),
    ]);
    expect(q.map((d) => d.department)).toEqual(['d/b', '', 'd/a']);
    expect(q[0]!.counts).toEqual({ missing: 1, draft: 0, submitted: 1, returned: 1, approved: 0 });
    expect(q[2]!.rows.map((r) => r.code)).toEqual(['1', '5']);
  });
});
