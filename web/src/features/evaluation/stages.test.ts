import { describe, expect, it } from 'vitest';
import { nextStage, stageLabel } from './stages';

describe('stages', () => {
  it('go in order and stop at 公表', () => {
    expect(nextStage('EVALUATION_STAGE_SELF')).toBe('EVALUATION_STAGE_PLANNING_REVIEW');
    expect(nextStage('EVALUATION_STAGE_COMMITTEE')).toBe('EVALUATION_STAGE_PUBLISHED');
    expect(nextStage('EVALUATION_STAGE_PUBLISHED')).toBeNull();
    expect(stageLabel('EVALUATION_STAGE_PLANNING_REVIEW')).toBe('企画課による評価');
  });
});
