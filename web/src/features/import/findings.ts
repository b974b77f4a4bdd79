// What an import's findings say, for the wizard: counts per severity and the rows to show.
import type { Schemas } from '../../api/client';

export type Finding = Schemas['sokei.kpi.v1.ImportFinding'];
export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_LABEL: Record<Severity, string> = { error: 'エラー', warning: '警告', info: '情報' };

export function severityOf(f: Finding): Severity {
  switch (f.severity) {
    case 'FINDING_SEVERITY_ERROR':
      return 'error';
    case 'FINDING_SEVERITY_WARNING':
      return 'warning';
    default:
      return 'info';
  }
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const out = { error: 0, warning: 0, info: 0 };
  for (const f of findings) out[severityOf(f)]++;
  return out;
}

/** Errors first, then warnings, then the rest, each in file order. */
export function orderFindings(findings: Finding[]): Finding[] {
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return [...findings].sort((a, b) => rank[severityOf(a)] - rank[severityOf(b)] || (a.row ?? 0) - (b.row ?? 0));
}
