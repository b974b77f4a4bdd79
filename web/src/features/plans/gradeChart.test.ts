import { describe, expect, it } from 'vitest';
import type { RollupResult } from '../../api/client';
import { gradeColors, gradeMatrix, levelsOf } from './gradeChart';

const r = (level: number, code: string, counts: Record<string, number>): RollupResult => ({
  level,
  code,
  displayName: `施策${code}`,
  subject: `s/${code}`,
  gradeCounts: Object.entries(counts).map(([grade, count]) => ({ grade, count })),
});

describe('gradeMatrix', () => {
  const rollups = [
    r(1, '1', { A: 3, B: 1 }),
    r(2, '1-1', { B: 2, 未評価: 1 }),
    r(2, '1-2', { A: 1, D: 4 }),
  ];
  it('keeps the scheme order and puts labels outside it last', () => {
    const m = gradeMatrix(rollups, 2, ['A', 'B', 'C', 'D']);
    expect(m.grades).toEqual(['A', 'B', 'D', '未評価']);
    expect(m.rows.map((x) => x.counts)).toEqual([
      [0, 2, 0, 1],
      [1, 0, 4, 0],
    ]);
    expect(m.rows.map((x) => x.total)).toEqual([3, 5]);
    expect(m.rows[0]!.label).toBe('1-1 施策1-1');
  });
  it('lists levels top first', () => {
    expect(levelsOf(rollups)).toEqual([1, 2]);
  });
  it('takes scheme colours, greys what is not a grade, and falls back by rank', () => {
    expect(gradeColors(['A', 'B'], { A: '#112233' })).toEqual(['#112233', '#3460fb']);
    expect(gradeColors(['A', '−', 'B', '未報告', '評価不能'], {})).toEqual(['#0031d8', '#b3b3b3', '#3460fb', '#999999', '#767676']);
  });
});
