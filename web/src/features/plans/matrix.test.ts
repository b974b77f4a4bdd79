import { describe, expect, it } from 'vitest';
import { packageMatrix, type PlanTree } from './matrix';

const P = 'municipalities/102041/plans/p';
const tree: PlanTree = {
  nodes: [
    { node: { name: `${P}/nodes/1`, code: '1', displayName: '子育て', level: 1 } },
    { node: { name: `${P}/nodes/1-1`, code: '1-1', displayName: '保育', level: 2, parent: `${P}/nodes/1` } },
    { node: { name: `${P}/nodes/2`, code: '2', displayName: '産業', level: 1 } },
  ],
  packages: [
    { name: `${P}/packages/a`, code: 'A', displayName: '若者定住' },
    { name: `${P}/packages/b`, code: 'B', displayName: '未使用' },
  ],
  links: [
    { node: `${P}/nodes/1-1`, role: 'PACKAGE_LINK_ROLE_RELATED' },
    { node: `${P}/nodes/1`, role: 'PACKAGE_LINK_ROLE_PRIMARY' },
    { node: `${P}/nodes/2`, role: 'PACKAGE_LINK_ROLE_RELATED' },
  ],
  linkPackages: [`${P}/packages/a`, `${P}/packages/a`, `${P}/packages/a`],
};

describe('packageMatrix', () => {
  it('rolls deeper links up to the level, keeps the strongest role, drops empty packages', () => {
    const m = packageMatrix(tree, 1);
    expect(m.columns.map((c) => c.label)).toEqual(['1 子育て', '2 産業']);
    expect(m.rows).toEqual([{ name: `${P}/packages/a`, label: 'A 若者定住', marks: ['◎', '○'] }]);
  });
  it('at level 2 ignores links above it', () => {
    const m = packageMatrix(tree, 2);
    expect(m.rows[0]!.marks).toEqual(['○']);
  });
});
