// 重点プロジェクト × 施策: which cross-cutting packages touch which nodes of a level. A link to a
// deeper node counts for its ancestor at the level shown; the strongest role wins a cell.
import type { Schemas } from '../../api/client';

export type PlanTree = Schemas['sokei.plan.v1.PlanTree'];
export type Mark = '' | '◎' | '○';

export interface PackageMatrix {
  columns: Array<{ name: string; label: string }>; // nodes of the level
  rows: Array<{ name: string; label: string; marks: Mark[] }>; // packages
}

export function packageMatrix(tree: PlanTree, level: number): PackageMatrix {
  const nodes = (tree.nodes ?? []).map((t) => t.node ?? {});
  const byName = new Map(nodes.map((n) => [n.name ?? '', n]));
  const ancestorAt = (name: string): string | null => {
    let n = byName.get(name);
    while (n && (n.level ?? 0) > level) n = byName.get(n.parent ?? '');
    return n && (n.level ?? 0) === level ? (n.name ?? null) : null;
  };
  const columns = nodes.filter((n) => (n.level ?? 0) === level).map((n) => ({ name: n.name ?? '', label: [n.code, n.displayName].filter(Boolean).join(' ') }));
  const index = new Map(columns.map((c, i) => [c.name, i]));
  const packages = tree.packages ?? [];
  const rows = packages.map((p) => ({ name: p.name ?? '', label: [p.code, p.displayName].filter(Boolean).join(' '), marks: columns.map((): Mark => '') }));
  const rowIndex = new Map(rows.map((r, i) => [r.name, i]));
  (tree.links ?? []).forEach((link, i) => {
    const pkg = tree.linkPackages?.[i] ?? '';
    const r = rowIndex.get(pkg);
    const col = index.get(ancestorAt(link.node ?? '') ?? '');
    if (r === undefined || col === undefined) return;
    const mark: Mark = link.role === 'PACKAGE_LINK_ROLE_PRIMARY' ? '◎' : '○';
    const row = rows[r]!;
    if (row.marks[col] !== '◎') row.marks[col] = mark;
  });
  return { columns, rows: rows.filter((r) => r.marks.some((m) => m)) };
}
