// The review state of one indicator's value for a year, as departments and the 企画課 name it.
import type { Observation } from '../../api/client';

export type EntryState = 'missing' | 'draft' | 'submitted' | 'returned' | 'approved';

export const ENTRY_STATE_LABEL: Record<EntryState, string> = {
  missing: '未入力',
  draft: '入力中',
  submitted: '提出済',
  returned: '差戻し',
  approved: '承認',
};

/** The state of a value in review (`present`: a value exists for the year). */
export function stateOf(review: Observation['reviewState'], present: boolean): EntryState {
  switch (review) {
    case 'REVIEW_STATE_SUBMITTED':
      return 'submitted';
    case 'REVIEW_STATE_RETURNED':
      return 'returned';
    case 'REVIEW_STATE_APPROVED':
      return 'approved';
    case 'REVIEW_STATE_DRAFT':
      return 'draft';
    default:
      return present ? 'draft' : 'missing';
  }
}

export function entryState(o: Observation | undefined): EntryState {
  return stateOf(o?.reviewState, o !== undefined);
}

/** The total (not a breakdown) observation of `year`, if any. */
export function observationOf(list: Observation[] | undefined, year: number): Observation | undefined {
  return list?.find((o) => o.fiscalYear === year && !o.breakdownKey);
}

/** The comment of the last return, shown to the department until it resubmits. */
export function returnComment(o: Observation | undefined): string {
  if (entryState(o) !== 'returned') return '';
  const history = o?.reviewHistory ?? [];
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i]?.state === 'REVIEW_STATE_RETURNED') return history[i]?.comment ?? '';
  }
  return '';
}
