// The 企画課's review queue: indicators grouped by department, with the counts per state that tell
// who has submitted, who has not entered anything and what was returned.
import type { IndicatorRow } from '../entry/useIndicatorRows';
import type { EntryState } from './states';

export interface DepartmentQueue {
  department: string; // municipalities/{m}/departments/{d}, "" for indicators without one
  rows: IndicatorRow[];
  counts: Record<EntryState, number>;
}

export function buildQueue(rows: IndicatorRow[]): DepartmentQueue[] {
  const by = new Map<string, IndicatorRow[]>();
  for (const r of rows) {
    const keys = r.departments.length ? r.departments : [''];
    for (const d of keys) by.set(d, [...(by.get(d) ?? []), r]);
  }
  const out = [...by.entries()].map(([department, list]) => {
    const counts = { missing: 0, draft: 0, submitted: 0, returned: 0, approved: 0 } as Record<EntryState, number>;
    for (const r of list) counts[r.state]++;
    return { department, rows: list, counts };
  });
  // Departments with something to review first, then those that have not entered, then the rest.
  return out.sort(
    (a, b) =>
      b.counts.submitted - a.counts.submitted ||
      b.counts.missing + b.counts.draft - (a.counts.missing + a.counts.draft) ||
      a.department.localeCompare(b.department),
  );
}
