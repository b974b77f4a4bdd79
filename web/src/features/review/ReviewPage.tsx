// 企画課: what each department has submitted, not yet entered or had returned; approve or return
// with a comment in one or two clicks.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { warekiFiscalYear } from '../../lib/fiscal';
import { Button } from '../../ui/Button';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { PlanPicker } from '../entry/PlanPicker';
import { useIndicatorRows, type IndicatorRow } from '../entry/useIndicatorRows';
import { useDepartments } from '../plans/useDepartments';
import { YearSelect } from '../plans/YearSelect';
import { buildQueue } from './queue';
import { StateBadge } from './StateBadge';
import { ENTRY_STATE_LABEL, type EntryState } from './states';
import { useWorkingPlan } from '../plans/useWorkingPlan';

export function ReviewPage() {
  const { municipality, plans, plan, planQ, year, setPlan, setYear } = useWorkingPlan();
  const { rows, isPending, error } = useIndicatorRows(municipality, plan, year);
  const departments = useDepartments(municipality);
  const names = new Map((departments.data ?? []).map((d) => [d.name ?? '', d.displayName ?? '']));
  const [filter, setFilter] = useState<EntryState | 'all'>('submitted');
  const queue = buildQueue(rows ?? []);
  const total = (s: EntryState) => (rows ?? []).filter((r) => r.state === s).length;

  return (
    <>
      <PageTitle>提出の確認</PageTitle>
      <div className="mb-4 flex flex-wrap items-end gap-4">
        {plans.data && <PlanPicker plans={plans.data} value={plan} onChange={setPlan} />}
        <YearSelect plan={planQ.data} year={year} onChange={setYear} />
      </div>
      {isPending && <Loading what="提出状況" />}
      {error && <ErrorBox error={error} />}
      {rows && (
        <>
          <fieldset className="mb-4">
            <legend className="mb-2 text-dns-16B-130">{warekiFiscalYear(year)}の状況で絞り込む</legend>
            <div className="flex flex-wrap gap-2">
              {(['submitted', 'returned', 'draft', 'missing', 'approved', 'all'] as const).map((s) => (
                <label key={s} className="flex min-h-11 items-center gap-2 rounded-8 border border-solid-gray-420 px-3">
                  <input type="radio" name="state" checked={filter === s} onChange={() => setFilter(s)} />
                  {s === 'all' ? `すべて ${rows.length}` : `${ENTRY_STATE_LABEL[s]} ${total(s)}`}
                </label>
              ))}
            </div>
          </fieldset>
          <div className="grid gap-6">
            {queue
              .filter((d) => filter === 'all' || d.counts[filter] > 0)
              .map((d) => (
                <section key={d.department} aria-label={names.get(d.department) || '所管課なし'} className="rounded-8 border border-solid-gray-420 p-4">
                  <h2 className="mb-1 text-std-20B-150">{names.get(d.department) || (d.department ? d.department.split('/')[3] : '所管課なし')}</h2>
                  <p className="mb-3 text-dns-14N-130 text-solid-gray-700">
                    {(['submitted', 'returned', 'draft', 'missing', 'approved'] as const)
                      .map((s) => `${ENTRY_STATE_LABEL[s]} ${d.counts[s]}`)
                      .join(' ・ ')}
                  </p>
                  <BulkApprove municipality={municipality} rows={d.rows.filter((r) => r.state === 'submitted')} />
                  <ul className="grid gap-2">
                    {d.rows
                      .filter((r) => filter === 'all' || r.state === filter)
                      .map((r) => (
                        <ReviewRow key={r.indicator} row={r} municipality={municipality} />
                      ))}
                  </ul>
                </section>
              ))}
          </div>
        </>
      )}
    </>
  );
}

function useReview(municipality: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ verb, names, comment }: { verb: 'approve' | 'return'; names: string[]; comment?: string }) => {
      const path = verb === 'approve' ? '/v1/municipalities/{municipality}/observations:approve' : '/v1/municipalities/{municipality}/observations:return';
      return unwrap(await api.POST(path, { params: { path: { municipality } }, body: { names, comment: comment ?? '' } }));
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: ['kpiSummary'] }),
  });
}

function BulkApprove({ municipality, rows }: { municipality: string; rows: IndicatorRow[] }) {
  const review = useReview(municipality);
  if (rows.length < 2) return null;
  return (
    <div className="mb-3">
      <Button variant="secondary" disabled={review.isPending} onClick={() => review.mutate({ verb: 'approve', names: rows.map((r) => r.observation) })}>
        提出済 {rows.length} 件をまとめて承認
      </Button>
      {review.error && <ErrorBox error={review.error} />}
    </div>
  );
}

function ReviewRow({ row, municipality }: { row: IndicatorRow; municipality: string }) {
  const review = useReview(municipality);
  const [returning, setReturning] = useState(false);
  const [comment, setComment] = useState('');
  const id = `comment-${row.indicator.split('/')[3]}`;
  return (
    <li className="rounded-8 bg-solid-gray-50 p-3" data-testid="review-row" data-code={row.code}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-std-16N-170">
          <span className="mr-2 text-solid-gray-700">{row.code}</span>
          {row.name}
        </p>
        <StateBadge state={row.state} />
      </div>
      <p className="text-dns-14N-130">
        目標 {row.target || '—'} ／ 実績 <strong>{row.actual || '未入力'}</strong> ／ 前年度 {row.lastYear || '—'}
        {row.grade && ` ／ 評価 ${row.grade}`}
      </p>
      {row.state === 'submitted' && (
        <div className="mt-2 flex flex-wrap items-end gap-2">
          <Button disabled={review.isPending} onClick={() => review.mutate({ verb: 'approve', names: [row.observation] })}>
            承認
          </Button>
          {!returning ? (
            <Button variant="danger" onClick={() => setReturning(true)}>
              差戻し…
            </Button>
          ) : (
            <>
              <label htmlFor={id} className="flex flex-col text-dns-14N-130">
                差戻しの理由（所管課に表示されます）
                <input id={id} className="mt-1 min-h-11 w-72 max-w-full rounded-8 border border-solid-gray-600 px-3" value={comment} onChange={(e) => setComment(e.target.value)} />
              </label>
              <Button variant="danger" disabled={!comment.trim() || review.isPending} onClick={() => review.mutate({ verb: 'return', names: [row.observation], comment: comment.trim() })}>
                差し戻す
              </Button>
            </>
          )}
        </div>
      )}
      {review.error && <ErrorBox error={review.error} />}
    </li>
  );
}
