// The 企画課's judgements on an evaluation: a grade of a 施策 overridden with a reason (kept beside
// the computed one) before publication, and after publication a corrected indicator recorded as an
// amendment with its reason.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Evaluation, type RollupResult, unwrap } from '../../api/client';
import { Button } from '../../ui/Button';
import { ErrorBox } from '../../ui/Status';
import { levelsOf } from '../plans/gradeChart';
import { useGradingScheme } from '../plans/usePlanSummary';
import { Field } from '../../ui/Field';

function useInvalidateEvaluation() {
  const qc = useQueryClient();
  return async () => {
    await qc.invalidateQueries({ queryKey: ['evaluation'] });
    await qc.invalidateQueries({ queryKey: ['evaluations'] });
  };
}

export function RollupOverrides({ evaluation, municipality, plan }: { evaluation: Evaluation; municipality: string; plan: string }) {
  const nodes = evaluation.summary?.nodes ?? [];
  const levels = levelsOf(nodes);
  const level = levels[Math.min(1, levels.length - 1)] ?? 1;
  const scheme = useGradingScheme(municipality, plan);
  const grades = [...new Set([...(scheme.data?.bands ?? []).map((b) => b.label ?? ''), ...nodes.map((n) => n.computedGrade ?? '')])].filter(Boolean);
  return (
    <section aria-labelledby="overrides" className="mb-6">
      <h2 id="overrides" className="mb-2 text-std-20B-150">
        施策の評価（計算値と企画課の判断）
      </h2>
      <ul className="grid gap-2">
        {nodes
          .filter((n) => (n.level ?? 0) === level)
          .map((n) => (
            <OverrideRow key={n.subject} rollup={n} evaluation={evaluation} municipality={municipality} plan={plan} grades={grades} />
          ))}
      </ul>
    </section>
  );
}

function OverrideRow({ rollup, evaluation, municipality, plan, grades }: { rollup: RollupResult; evaluation: Evaluation; municipality: string; plan: string; grades: string[] }) {
  const [open, setOpen] = useState(false);
  const [grade, setGrade] = useState(rollup.overrideGrade || grades[0] || '');
  const [comment, setComment] = useState(rollup.overrideComment ?? '');
  const done = useInvalidateEvaluation();
  const save = useMutation({
    mutationFn: async (clear: boolean) =>
      unwrap(
        await api.POST('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}:override', {
          params: { path: { municipality, plan, evaluation: String(evaluation.fiscalYear) } },
          body: { subject: rollup.subject, grade: clear ? '' : grade, comment: clear ? '' : comment.trim(), etag: evaluation.etag ?? '' },
        }),
      ),
    onSuccess: async () => {
      setOpen(false);
      await done();
    },
  });
  const id = `override-${(rollup.subject ?? '').split('/').pop()}`;
  return (
    <li className="rounded-8 border border-solid-gray-420 p-3" data-testid="rollup-row" data-code={rollup.code}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-std-16N-170">
          <span className="mr-2 text-solid-gray-700">{rollup.code}</span>
          {rollup.displayName}
        </p>
        <p className="text-dns-16N-130">
          計算値 <strong>{rollup.computedGrade || '—'}</strong>
          {rollup.overrideGrade && (
            <>
              {' '}
              → 企画課の判断 <strong data-testid="override-grade">{rollup.overrideGrade}</strong>
            </>
          )}
        </p>
      </div>
      {rollup.overrideComment && <p className="text-dns-14N-130 text-solid-gray-700">理由: {rollup.overrideComment}</p>}
      {!open ? (
        <Button variant="secondary" className="mt-2" onClick={() => setOpen(true)}>
          判断を変更…
        </Button>
      ) : (
        <div className="mt-2 flex flex-wrap items-end gap-2">
          <div className="flex flex-col text-dns-14N-130">
            <label htmlFor={`${id}-grade`}>評価</label>
            <select id={`${id}-grade`} className="mt-1 min-h-11 rounded-8 border border-solid-gray-600 px-3" value={grade} onChange={(e) => setGrade(e.target.value)}>
              {grades.map((g) => (
                <option key={g} value={g}>
                  {g}
                </option>
              ))}
            </select>
          </div>
          <div className="flex flex-col text-dns-14N-130">
            <label htmlFor={`${id}-comment`}>理由（公表されます）</label>
            <input id={`${id}-comment`} className="mt-1 min-h-11 w-80 max-w-full rounded-8 border border-solid-gray-600 px-3" value={comment} onChange={(e) => setComment(e.target.value)} />
          </div>
          <Button disabled={!comment.trim() || save.isPending} onClick={() => save.mutate(false)}>
            判断を記録
          </Button>
          {rollup.overrideGrade && (
            <Button variant="danger" disabled={save.isPending} onClick={() => save.mutate(true)}>
              計算値に戻す
            </Button>
          )}
        </div>
      )}
      {save.error && <ErrorBox error={save.error} />}
    </li>
  );
}

/** After publication: correct one indicator from current data, with the reason, as an amendment. */
export function Amendments({ evaluation, municipality, plan }: { evaluation: Evaluation; municipality: string; plan: string }) {
  const [indicator, setIndicator] = useState('');
  const [reason, setReason] = useState('');
  const done = useInvalidateEvaluation();
  const amend = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}:amend', {
          params: { path: { municipality, plan, evaluation: String(evaluation.fiscalYear) } },
          body: { indicator, reason: reason.trim() },
        }),
      ),
    onSuccess: async () => {
      setReason('');
      await done();
    },
  });
  const indicators = evaluation.summary?.indicators ?? [];
  return (
    <section aria-labelledby="amendments" className="mb-6">
      <h2 id="amendments" className="mb-2 text-std-20B-150">
        公表後の訂正
      </h2>
      <ul className="mb-3 grid gap-1 text-dns-16N-130" data-testid="amendment-list">
        {(evaluation.amendments ?? []).map((a, i) => (
          <li key={i}>
            {indicators.find((x) => x.indicator === a.indicator)?.displayName ?? a.indicator}: {a.before?.grade || '—'} → {a.after?.grade || '—'}（{a.reason}）
          </li>
        ))}
        {(evaluation.amendments ?? []).length === 0 && <li>訂正はありません。</li>}
      </ul>
      <div className="flex flex-wrap items-end gap-2">
        <Field id="amend-indicator" label="訂正する指標（現在のデータで計算し直します）" small className="min-w-0">
          <select id="amend-indicator" className="mt-1 min-h-11 w-full max-w-xl rounded-8 border border-solid-gray-600 px-3" value={indicator} onChange={(e) => setIndicator(e.target.value)}>
            <option value="">選んでください</option>
            {indicators.map((r) => (
              <option key={r.indicator} value={r.indicator}>
                {r.code} {r.displayName}
              </option>
            ))}
          </select>
        </Field>
        <Field id="amend-reason" label="訂正の理由（公表されます）" small>
          <input id="amend-reason" className="mt-1 min-h-11 w-80 max-w-full rounded-8 border border-solid-gray-600 px-3" value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        <Button disabled={!indicator || !reason.trim() || amend.isPending} onClick={() => amend.mutate()}>
          訂正を記録
        </Button>
      </div>
      {amend.error && <ErrorBox error={amend.error} />}
    </section>
  );
}
