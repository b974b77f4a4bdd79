// 企画課: create the year's evaluation from current data, take it through its stages, publish.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { warekiFiscalYear } from '../../lib/fiscal';
import { Button } from '../../ui/Button';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { PlanPicker } from '../entry/PlanPicker';
import { YearSelect } from '../plans/YearSelect';
import { EvaluationView } from './EvaluationView';
import { Amendments, RollupOverrides } from './Judgements';
import { nextStage, stageLabel } from './stages';
import { useEvaluation, useEvaluations } from './useEvaluations';
import { useWorkingPlan } from '../plans/useWorkingPlan';

export function EvaluationsPage() {
  const { municipality, plans, plan, planQ, year, setPlan, setYear } = useWorkingPlan();
  const list = useEvaluations(municipality, plan);
  const exists = (list.data ?? []).some((e) => e.fiscalYear === year);
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/municipalities/{municipality}/plans/{plan}/evaluations', {
          params: { path: { municipality, plan } },
          body: { fiscalYear: year },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['evaluations'] }),
  });
  return (
    <>
      <PageTitle>評価</PageTitle>
      <div className="mb-4 flex flex-wrap items-end gap-4">
        {plans.data && <PlanPicker plans={plans.data} value={plan} onChange={setPlan} />}
        <YearSelect plan={planQ.data} year={year} onChange={setYear} />
      </div>
      {list.isPending && <Loading what="評価の一覧" />}
      {list.error && <ErrorBox error={list.error} />}
      {list.data && (
        <section className="mb-6">
          <h2 className="mb-2 text-std-20B-150">この計画の評価</h2>
          <ul className="mb-3 flex flex-wrap gap-2">
            {list.data.map((e) => (
              <li key={e.name}>
                <button
                  type="button"
                  className={`min-h-11 rounded-8 border px-3 ${e.fiscalYear === year ? 'border-blue-900 bg-blue-50' : 'border-solid-gray-420'}`}
                  onClick={() => setYear(e.fiscalYear ?? year)}
                >
                  {warekiFiscalYear(e.fiscalYear ?? 0)}（{stageLabel(e.stage)}）
                </button>
              </li>
            ))}
            {list.data.length === 0 && <li>まだ評価はありません。</li>}
          </ul>
          {!exists && (
            <Button disabled={create.isPending} onClick={() => create.mutate()}>
              {warekiFiscalYear(year)}の評価を作成
            </Button>
          )}
          {create.error && <ErrorBox error={create.error} />}
        </section>
      )}
      {exists && <EvaluationStages municipality={municipality} plan={plan} year={year} />}
    </>
  );
}

function EvaluationStages({ municipality, plan, year }: { municipality: string; plan: string; year: number }) {
  const evaluation = useEvaluation(municipality, plan, String(year));
  const qc = useQueryClient();
  const next = nextStage(evaluation.data?.stage);
  const hasOverrides = (evaluation.data?.summary?.nodes ?? []).some((n) => !!n.overrideGrade);
  const advance = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}:advance', {
          params: { path: { municipality, plan, evaluation: String(year) } },
          // Recomputing from current data would drop the 企画課's judgements: only without any.
          body: { stage: next ?? undefined, etag: evaluation.data?.etag ?? '', recompute: next !== 'EVALUATION_STAGE_PUBLISHED' && !hasOverrides },
        }),
      ),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['evaluation'] });
      await qc.invalidateQueries({ queryKey: ['evaluations'] });
    },
  });
  if (evaluation.isPending) return <Loading what="評価" />;
  if (evaluation.error) return <ErrorBox error={evaluation.error} />;
  return (
    <section aria-label="評価の内容">
      {next && (
        <div className="mb-4 rounded-8 border border-blue-900 bg-blue-50 p-4">
          <p className="mb-2 text-std-16N-170">
            次の段階: <strong>{stageLabel(next)}</strong>
            {next === 'EVALUATION_STAGE_PUBLISHED'
              ? '（公表すると内容は固定され、市民向けページに掲載されます。以後の修正は理由を付けた訂正として記録されます）'
              : hasOverrides
                ? '（企画課の判断を残すため、集計し直さずに進めます）'
                : '（現在のデータで集計し直します）'}
          </p>
          <Button disabled={advance.isPending} onClick={() => advance.mutate()}>
            {next === 'EVALUATION_STAGE_PUBLISHED' ? '公表する' : `${stageLabel(next)}へ進める`}
          </Button>
          {advance.error && <ErrorBox error={advance.error} />}
        </div>
      )}
      {next ? (
        <RollupOverrides evaluation={evaluation.data} municipality={municipality} plan={plan} />
      ) : (
        <Amendments evaluation={evaluation.data} municipality={municipality} plan={plan} />
      )}
      <EvaluationView evaluation={evaluation.data} municipality={municipality} plan={plan} />
    </section>
  );
}
