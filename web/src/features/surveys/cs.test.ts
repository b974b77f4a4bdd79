import { describe, expect, it } from 'vitest';
import { csPoints, quadrantLabels, type CsAnalysis } from './cs';

const cs: CsAnalysis = {
  items: [
    { code: '1', displayName: '子育て', x: 0.3, y: -0.2, quadrant: '重点改善', rank: 1 },
    { code: '2', displayName: '道路', x: 0.1, y: 0.4, quadrant: '重点維持', rank: 3 },
    { code: '3', displayName: '文化', x: -0.2, y: 0.1, quadrant: '現状維持', rank: 4 },
    { code: '4', displayName: '少数', x: -0.5, y: -0.5, quadrant: '改善', rank: 2, suppressed: true },
  ],
};

describe('CS chart', () => {
  it('names quadrants as the city does, from the items in them', () => {
    expect(quadrantLabels(cs)).toEqual({ topRight: '重点維持', topLeft: '現状維持', bottomLeft: '', bottomRight: '重点改善' });
  });
  it('does not draw suppressed items', () => {
    expect(csPoints(cs).map((p) => p.name)).toEqual(['1 子育て', '2 道路', '3 文化']);
  });
});
