import { describe, expect, it } from 'vitest';
import type { Observation } from '../../api/client';
import { entryState, observationOf, returnComment } from './states';

const obs = (o: Partial<Observation>): Observation => ({ fiscalYear: 2020, ...o }) as Observation;

describe('entryState', () => {
  it('names every state of the cycle', () => {
    expect(entryState(undefined)).toBe('missing');
    expect(entryState(obs({ reviewState: 'REVIEW_STATE_DRAFT' }))).toBe('draft');
    expect(entryState(obs({}))).toBe('draft');
    expect(entryState(obs({ reviewState: 'REVIEW_STATE_SUBMITTED' }))).toBe('submitted');
    expect(entryState(obs({ reviewState: 'REVIEW_STATE_RETURNED' }))).toBe('returned');
    expect(entryState(obs({ reviewState: 'REVIEW_STATE_APPROVED' }))).toBe('approved');
  });
});

describe('observationOf', () => {
  it('takes the total of the year, never a breakdown or another year', () => {
    const list = [
      obs({ fiscalYear: 2020, breakdownKey: '小6', name: 'b' }),
      obs({ fiscalYear: 2019, name: 'old' }),
      obs({ fiscalYear: 2020, name: 'total' }),
    ];
    expect(observationOf(list, 2020)?.name).toBe('total');
    expect(observationOf(list, 2021)).toBeUndefined();
  });
});

describe('returnComment', () => {
  it('is the last return comment while returned, and nothing after resubmission', () => {
    const history = [
      { state: 'REVIEW_STATE_SUBMITTED' as const },
      { state: 'REVIEW_STATE_RETURNED' as const, comment: '単位を確認してください' },
    ];
    expect(returnComment(obs({ reviewState: 'REVIEW_STATE_RETURNED', reviewHistory: history }))).toBe(
      '単位を確認してください',
    );
    expect(returnComment(obs({ reviewState: 'REVIEW_STATE_SUBMITTED', reviewHistory: history }))).toBe('');
  });
});
