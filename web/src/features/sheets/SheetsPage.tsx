// 評価シート: a department writes its 事務事業評価シート and 施策評価シート for the year and submits
// them; the 企画課 returns them with a comment or accepts them and adds its 二次評価; the
// committee's opinion is recorded at its stage. The list on top, the chosen sheet below.
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { warekiFiscalYear } from '../../lib/fiscal';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { TableHead } from '../../ui/TableHead';
import { useAuth } from '../auth/AuthContext';
import { hasRole } from '../auth/session';
import { PlanPicker } from '../entry/PlanPicker';
import { stageLabel } from '../evaluation/stages';
import { useEvaluations } from '../evaluation/useEvaluations';
import { useDepartments } from '../plans/useDepartments';
import { useWorkingPlan } from '../plans/useWorkingPlan';
import { YearSelect } from '../plans/YearSelect';
import { SheetEditor } from './SheetEditor';
import { SHEET_STATE_LABEL, type Sheet } from './sheetRules';
import { idOf, useSheetList } from './useSheets';

type Filter = 'mine' | 'all' | 'SHEET_STATE_SUBMITTED' | 'SHEET_STATE_RETURNED' | 'SHEET_STATE_DRAFT' | 'SHEET_STATE_ACCEPTED';

export function SheetsPage() {
  const { session } = useAuth();
  const planner = hasRole(session, 'planner');
  const { municipality, plans, plan, planQ, year, setPlan, setYear } = useWorkingPlan();
  const [search, setSearch] = useSearchParams();
  const chosen = search.get('sheet') ?? '';
  const evaluations = useEvaluations(municipality, plan);
  const evaluation = (evaluations.data ?? []).find((e) => e.fiscalYear === year);
  const list = useSheetList(municipality, plan, year, !!evaluation);
  const departments = useDepartments(municipality);
  const names = new Map((departments.data ?? []).map((d) => [d.name ?? '', d.displayName ?? '']));
  const mineOnly = (s: Sheet) => (s.departments ?? []).some((d) => (session?.departments ?? []).includes(idOf(d)));
  const [filter, setFilter] = useState<Filter>(planner ? 'SHEET_STATE_SUBMITTED' : 'mine');
  const sheets = (list.data ?? []).filter((s) =>
    filter === 'all' ? true : filter === 'mine' ? mineOnly(s) : (s.state ?? 'SHEET_STATE_DRAFT') === filter,
  );
  const open = (id: string) => setSearch({ plan, year: String(year), sheet: id });
  const count = (state: string) => (list.data ?? []).filter((s) => (s.state ?? 'SHEET_STATE_DRAFT') === state).length;

  return (
    <>
      <PageTitle>評価シート</PageTitle>
      <div className="mb-4 flex flex-wrap items-end gap-4">
        {plans.data && <PlanPicker plans={plans.data} value={plan} onChange={setPlan} />}
        <YearSelect plan={planQ.data} year={year} onChange={setYear} />
      </div>
      {evaluations.isPending && <Loading what="評価" />}
      {evaluations.error && <ErrorBox error={evaluations.error} />}
      {evaluations.data && !evaluation && (
        <p className="mb-4 rounded-8 border border-solid-gray-420 p-4 text-std-16N-170" data-testid="no-evaluation">
          {warekiFiscalYear(year)}の評価はまだ作成されていません。企画課が「評価」の画面で作成すると、評価シートを書けるようになります。
        </p>
      )}
      {evaluation && (
        <p className="mb-4 text-std-16N-170">
          {warekiFiscalYear(year)}の評価 ・ 段階: <strong data-testid="sheet-stage">{stageLabel(evaluation.stage)}</strong>
        </p>
      )}
      {list.isPending && evaluation && <Loading what="評価シートの一覧" />}
      {list.error && <ErrorBox error={list.error} />}
      {list.data && (
        <section aria-labelledby="sheet-list" className="mb-6">
          <h2 id="sheet-list" className="mb-2 text-std-20B-150">
            シートの一覧
          </h2>
          <fieldset className="mb-3">
            <legend className="mb-2 text-dns-16B-130">絞り込み</legend>
            <div className="flex flex-wrap gap-2">
              {(['mine', 'SHEET_STATE_SUBMITTED', 'SHEET_STATE_RETURNED', 'SHEET_STATE_DRAFT', 'SHEET_STATE_ACCEPTED', 'all'] as const)
                .filter((f) => f !== 'mine' || (session?.departments ?? []).length > 0)
                .map((f) => (
                  <label key={f} className="flex min-h-11 items-center gap-2 rounded-8 border border-solid-gray-420 px-3">
                    <input type="radio" name="sheet-filter" checked={filter === f} onChange={() => setFilter(f)} />
                    {f === 'mine'
                      ? `自分の課 ${(list.data ?? []).filter(mineOnly).length}`
                      : f === 'all'
                        ? `すべて ${(list.data ?? []).length}`
                        : `${SHEET_STATE_LABEL[f]} ${count(f)}`}
                  </label>
                ))}
            </div>
          </fieldset>
          <div className="max-h-96 overflow-auto">
            <table className="min-w-full border-collapse text-dns-14N-130">
              <caption className="sr-only">評価シートの番号、名称、種類、所管課、状態と方向性</caption>
              <TableHead sticky columns={['番号', '名称', '種類', '所管課', '状態', '方向性']} />
              <tbody>
                {sheets.map((s) => (
                  <tr key={s.name} data-testid="sheet-row" data-code={s.code} className={idOf(s.name) === chosen ? 'bg-blue-50' : undefined}>
                    <td className="border border-solid-gray-420 p-2">{s.code}</td>
                    <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                      <button type="button" className="min-h-11 text-left text-blue-1000 underline" onClick={() => open(idOf(s.name))}>
                        {s.displayName}
                      </button>
                    </th>
                    <td className="border border-solid-gray-420 p-2">{s.kind === 'SHEET_KIND_MEASURE' ? '施策' : '事務事業'}</td>
                    <td className="border border-solid-gray-420 p-2">{(s.departments ?? []).map((d) => names.get(d) || idOf(d)).join('・') || '—'}</td>
                    <td className="border border-solid-gray-420 p-2" data-state={s.state}>
                      {SHEET_STATE_LABEL[s.state ?? 'SHEET_STATE_DRAFT']}
                      {!s.etag && '（未着手）'}
                    </td>
                    <td className="border border-solid-gray-420 p-2">{[s.values?.direction, s.values?.planning_direction].filter(Boolean).join(' → ') || '—'}</td>
                  </tr>
                ))}
                {sheets.length === 0 && (
                  <tr>
                    <td colSpan={6} className="border border-solid-gray-420 p-2">
                      該当するシートはありません。
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {evaluation && chosen && (
        <SheetEditor
          key={`${plan}/${year}/${chosen}`}
          municipality={municipality}
          plan={plan}
          year={year}
          sheetId={chosen}
          stage={evaluation.stage}
          departmentNames={names}
        />
      )}
    </>
  );
}
