// Grade distribution per 基本政策 / 施策: the rows of a stacked bar chart and of its table view,
// from the roll-ups of a plan summary.
import type { RollupResult } from '../../api/client';

export interface GradeMatrix {
  grades: string[]; // column order: the scheme's bands first, then the special labels
  rows: Array<{ subject: string; label: string; counts: number[]; total: number }>;
}

/** The levels present among the roll-ups, top level first. */
export function levelsOf(rollups: RollupResult[]): number[] {
  return [...new Set(rollups.map((r) => r.level ?? 0))].sort((a, b) => a - b);
}

export function gradeMatrix(rollups: RollupResult[], level: number, gradeOrder: string[]): GradeMatrix {
  const at = rollups.filter((r) => (r.level ?? 0) === level);
  const seen = new Set<string>();
  for (const r of at) for (const g of r.gradeCounts ?? []) if (g.grade) seen.add(g.grade);
  const grades = [
    ...gradeOrder.filter((g) => seen.has(g)),
    ...[...seen].filter((g) => !gradeOrder.includes(g)).sort(),
  ];
  const rows = at.map((r) => {
    const counts = grades.map((g) => r.gradeCounts?.find((c) => c.grade === g)?.count ?? 0);
    return {
      subject: r.subject ?? '',
      label: [r.code, r.displayName].filter(Boolean).join(' '),
      counts,
      total: counts.reduce((a, b) => a + b, 0),
    };
  });
  return { grades, rows };
}

// The schemes' default labels for "no target", "not reported yet" and "not evaluable": not
// grades, drawn in grey.
const NOT_GRADES: Record<string, string> = { '−': '#b3b3b3', '-': '#b3b3b3', 未報告: '#999999', 評価不能: '#767676' };

/** A colour per grade: the scheme's colour when it has one, grey for the labels that are not
 * grades, else a readable default by rank. */
export function gradeColors(grades: string[], schemeColors: Record<string, string>): string[] {
  const fallback = ['#0031d8', '#3460fb', '#7096f8', '#c5d7fb', '#fb5b01', '#ec0000'];
  let rank = 0;
  return grades.map((g) => {
    const grey = schemeColors[g] ? undefined : NOT_GRADES[g];
    if (grey) return grey;
    const byRank = fallback[Math.min(rank, fallback.length - 1)]!;
    rank++;
    return schemeColors[g] || byRank;
  });
}
