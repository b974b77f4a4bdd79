// What an import's findings say, for the wizard: counts per severity and the rows to show.
import type { Schemas } from '../../api/client';
import { warekiFiscalYear } from '../../lib/fiscal';

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

const ROLE_LABEL: Record<string, string> = {
  code: '番号',
  project: '事業・施策名',
  indicator: '指標名',
  unit: '単位',
  department: '所管課',
  baseline: '基準値',
  target: '目標値',
  actual: '実績値',
  forecast: '見込み',
  reported_rate: '市の達成率',
  reported_grade: '市の評価',
  section: '見出し（基本目標・施策）',
  target_year: '目標年度',
  baseline_year: '基準年度',
  row_kind: '区分（目標・実績の行）',
  year_value: '年度の列（区分による）',
  ignore: '取り込まない',
};

/** A column's role as the 企画課 calls it. */
export function roleLabel(role: string): string {
  return ROLE_LABEL[role] ?? role;
}

/** Excel's column name of a 0-based index: 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

type Column = Schemas['sokei.kpi.v1.ImportColumn'];

/** A column's year as the 企画課 reads it: 令和2年度, 令和2年 (a calendar year), a part-year, a final target. */
export function columnYear(col: Column): string {
  const y = col.fiscalYear ?? 0;
  if (!y) return '—';
  const year = col.calendarYear ? warekiFiscalYear(y).replace(/年度$/, '年') : warekiFiscalYear(y);
  return `${year}${col.partial ? '（年度途中の値・評価しない）' : ''}${col.isFinal ? '（最終目標）' : ''}`;
}
