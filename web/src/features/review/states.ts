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

export function entryState(o: Observation | undefined): EntryState {
  switch (o?.reviewState) {
    case undefined:
      return o ? 'draft' : 'missing';
    case 'REVIEW_STATE_SUBMITTED':
      return 'submitted';
    case 'REVIEW_STATE_RETURNED':
      return 'returned';
    case 'REVIEW_STATE_APPROVED':
      return 'approved';
    default:
      return 'draft';
  }
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

/** Counts per state, in the order the queue shows them. */
export function countStates(states: EntryState[]): Array<[EntryState, number]> {
  const order: EntryState[] = ['submitted', 'returned', 'draft', 'missing', 'approved'];
  return order.map((s) => [s, states.filter((x) => x === s).length]);
}
