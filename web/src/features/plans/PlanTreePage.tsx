// The plan's structure as the city writes it: levels with their own names, nodes with departments,
// SDGs and tags (folded by level), and the cross-cutting packages as a matrix against one level.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { useDepartments } from './useDepartments';
import { packageMatrix, type PlanTree } from './matrix';
import { Field } from '../../ui/Field';

type TreeNode = NonNullable<PlanTree['nodes']>[number];

export function PlanTreePage() {
  const { municipality = '', plan = '' } = useParams();
  const tree = useQuery({
    queryKey: ['tree', municipality, plan],
    queryFn: async () => unwrap(await api.GET('/v1/municipalities/{municipality}/plans/{plan}:tree', { params: { path: { municipality, plan } } })),
  });
  const departments = useDepartments(municipality);
  const deptName = useMemo(() => new Map((departments.data ?? []).map((d) => [d.name ?? '', d.displayName ?? ''])), [departments.data]);
  const levels = tree.data?.levels ?? tree.data?.plan?.levels ?? [];
  const [matrixLevel, setMatrixLevel] = useState(1);
  const byName = useMemo(() => new Map((tree.data?.nodes ?? []).map((t) => [t.node?.name ?? '', t])), [tree.data]);
  const roots = (tree.data?.nodes ?? []).filter((t) => !t.node?.parent);
  const matrix = useMemo(() => (tree.data ? packageMatrix(tree.data, matrixLevel) : null), [tree.data, matrixLevel]);

  const render = (t: TreeNode) => {
    const n = t.node ?? {};
    const kids = (t.children ?? []).map((c) => byName.get(c)).filter((x): x is TreeNode => !!x);
    const level = levels[(n.level ?? 1) - 1]?.displayName ?? '';
    const meta = [
      ...(n.departments ?? []).map((d) => deptName.get(d.department ?? '') || (d.department ?? '').split('/')[3]),
      ...(n.sdgGoals ?? []).map((g) => `SDGs ${g}`),
      ...(n.tags ?? []),
    ];
    const head = (
      <>
        <span className="mr-2 text-dns-14N-130 text-solid-gray-700">{level}</span>
        <span className="mr-2 text-solid-gray-700">{n.code}</span>
        {n.displayName}
        {meta.length > 0 && <span className="ml-2 text-dns-14N-130 text-solid-gray-700">（{meta.join('・')}）</span>}
      </>
    );
    return (
      <li key={n.name} className="my-1">
        {kids.length > 0 ? (
          <details open={(n.level ?? 1) === 1}>
            <summary className="cursor-pointer py-1 text-std-16N-170">{head}</summary>
            <ul className="ml-4 border-l border-solid-gray-420 pl-3">{kids.map(render)}</ul>
          </details>
        ) : (
          <p className="py-1 text-std-16N-170">{head}</p>
        )}
      </li>
    );
  };

  return (
    <>
      <p className="text-dns-14N-130">
        <Link className="text-blue-1000 underline" to={`/app/plans/${municipality}/${plan}`}>
          達成状況へ
        </Link>
      </p>
      <PageTitle>{tree.data?.plan?.displayName ?? '計画の体系'}</PageTitle>
      {tree.isPending && <Loading what="計画の体系" />}
      {tree.error && <ErrorBox error={tree.error} />}
      {tree.data && (
        <>
          <p className="mb-4 text-std-16N-170" data-testid="levels">
            階層: {levels.map((l) => l.displayName).join(' → ')}（{(tree.data.nodes ?? []).length} 項目）
          </p>
          <section aria-labelledby="structure" className="mb-8">
            <h2 id="structure" className="mb-2 text-std-20B-150">
              体系
            </h2>
            <ul data-testid="tree">{roots.map(render)}</ul>
          </section>
          {matrix && (tree.data.packages ?? []).length > 0 && (
            <section aria-labelledby="matrix">
              <div className="mb-2 flex flex-wrap items-end justify-between gap-2">
                <h2 id="matrix" className="text-std-20B-150">
                  重点的な取組と施策の関係
                </h2>
                <Field id="matrix-level" label="列の階層">
                  <select id="matrix-level" className="mt-1 min-h-11 rounded-8 border border-solid-gray-600 px-3" value={matrixLevel} onChange={(e) => setMatrixLevel(Number(e.target.value))}>
                    {levels.map((l, i) => (
                      <option key={i} value={i + 1}>
                        {l.displayName}
                      </option>
                    ))}
                  </select>
                </Field>
              </div>
              <p className="mb-2 text-dns-14N-130">◎ 主な柱 ○ 関連</p>
              <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="重点的な取組と施策の関係の表">
                <table className="border-collapse text-dns-14N-130" data-testid="matrix">
                  <thead>
                    <tr>
                      <th scope="col" className="border border-solid-gray-420 bg-solid-gray-50 p-2 text-left">
                        取組
                      </th>
                      {matrix.columns.map((c) => (
                        <th key={c.name} scope="col" className="min-w-24 border border-solid-gray-420 bg-solid-gray-50 p-2 text-left align-bottom">
                          {c.label}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {matrix.rows.map((r) => (
                      <tr key={r.name}>
                        <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                          {r.label}
                        </th>
                        {r.marks.map((m, i) => (
                          <td key={i} className="border border-solid-gray-420 p-2 text-center" aria-label={m === '◎' ? '主な柱' : m === '○' ? '関連' : 'なし'}>
                            {m}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          )}
        </>
      )}
    </>
  );
}
