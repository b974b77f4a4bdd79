// 所管課: "my indicators this year" — enter a value (parsed as you type), save a draft, submit,
// see a return comment, correct and resubmit.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { warekiFiscalYear } from '../../lib/fiscal';
import { Button } from '../../ui/Button';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { useAuth } from '../auth/AuthContext';
import { YearSelect } from '../plans/YearSelect';
import { useDepartments } from '../plans/useDepartments';
import { ENTRY_STATE_LABEL, observationOf, returnComment } from '../review/states';
import { StateBadge } from '../review/StateBadge';
import { PlanPicker } from './PlanPicker';
import { filterRows, useIndicatorRows, type IndicatorRow } from './useIndicatorRows';
import { ValuePreview } from './ValuePreview';
import { InputSheet } from './InputSheet';
import { useWorkingPlan } from '../plans/useWorkingPlan';

export function EntryPage() {
  const { session } = useAuth();
  const { municipality, plans, plan, planQ, year, setPlan, setYear } = useWorkingPlan();
  const departments = (session?.departments ?? []).map((d) => `municipalities/${municipality}/departments/${d}`);
  const { rows, isPending, error } = useIndicatorRows(municipality, plan, year);
  const mine = filterRows(rows ?? [], departments);
  const allDepartments = useDepartments(municipality);
  const departmentNames = departments
    .map((d) => allDepartments.data?.find((x) => x.name === d)?.displayName ?? d.split('/')[3])
    .join('、');

  return (
    <>
      <PageTitle>実績の入力</PageTitle>
      <p className="mb-4 text-std-16N-170">
        担当課（{departmentNames || '—'}）の指標について、{warekiFiscalYear(year)}
        の実績を入力し、確認のうえ企画課へ提出してください。
      </p>
      <div className="mb-4 flex flex-wrap items-end gap-4">
        {plans.data && (
          <PlanPicker plans={plans.data} value={plan} onChange={setPlan} />
        )}
        <YearSelect plan={planQ.data} year={year} onChange={setYear} />
      </div>
      {(isPending || plans.isPending) && <Loading what="担当の指標" />}
      {error && <ErrorBox error={error} />}
      {rows && (
        <p className="mb-3 text-dns-16N-130" data-testid="entry-count">
          担当の指標 {mine.length} 件（
          {(['missing', 'draft', 'returned', 'submitted', 'approved'] as const)
            .map((s) => `${ENTRY_STATE_LABEL[s]} ${mine.filter((r) => r.state === s).length}`)
            .join('、')}
          ）
        </p>
      )}
      {rows && mine.length > 0 && departments[0] && plan && (
        <InputSheet municipality={municipality} plan={plan} year={year} department={departments[0]} rows={mine} />
      )}
      {rows && mine.length === 0 && (
        <p className="rounded-8 border border-solid-gray-420 p-4">この計画には担当課の指標がありません。計画を切り替えてください。</p>
      )}
      <ul className="grid gap-4">
        {mine.map((r) => (
          <EntryCard key={r.indicator} row={r} municipality={municipality} year={year} />
        ))}
      </ul>
    </>
  );
}

function EntryCard({ row, municipality, year }: { row: IndicatorRow; municipality: string; year: number }) {
  const qc = useQueryClient();
  const [raw, setRaw] = useState(row.actual);
  const [done, setDone] = useState('');
  const editable = row.state === 'missing' || row.state === 'draft' || row.state === 'returned';
  const indicatorId = row.indicator.split('/')[3] ?? '';
  const history = useQuery({
    queryKey: ['observations', row.indicator],
    enabled: row.state === 'returned',
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/municipalities/{municipality}/indicators/{indicator}/observations', {
          params: { path: { municipality, indicator: indicatorId } },
        }),
      ).observations ?? [],
  });
  const comment = returnComment(observationOf(history.data, year));
  const refresh = () => qc.invalidateQueries({ queryKey: ['kpiSummary'] });
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/municipalities/{municipality}/observations:batchRecord', {
          params: { path: { municipality } },
          body: { observations: [{ indicator: row.indicator, fiscalYear: year, rawValue: raw.trim() }] },
        }),
      ),
    onSuccess: async () => {
      setDone('下書きを保存しました。');
      await refresh();
    },
  });
  const submit = useMutation({
    mutationFn: async () => {
      if (raw.trim() !== row.actual) {
        unwrap(
          await api.POST('/v1/municipalities/{municipality}/observations:batchRecord', {
            params: { path: { municipality } },
            body: { observations: [{ indicator: row.indicator, fiscalYear: year, rawValue: raw.trim() }] },
          }),
        );
      }
      return unwrap(
        await api.POST('/v1/municipalities/{municipality}/observations:submit', {
          params: { path: { municipality } },
          body: { names: [row.observation] },
        }),
      );
    },
    onSuccess: async () => {
      setDone('企画課へ提出しました。');
      await refresh();
    },
  });
  const inputId = `value-${indicatorId}`;
  return (
    <li className="rounded-8 border border-solid-gray-420 p-4" data-testid="entry-card" data-code={row.code}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h2 className="text-std-18B-160">
          <span className="mr-2 text-solid-gray-700">{row.code}</span>
          {row.name}
        </h2>
        <StateBadge state={row.state} />
      </div>
      <dl className="my-2 grid grid-cols-2 gap-x-4 text-dns-16N-130 desktop:grid-cols-4">
        <dt className="text-solid-gray-700">目標値</dt>
        <dd>{row.target || '—'}</dd>
        <dt className="text-solid-gray-700">前年度の実績</dt>
        <dd>{row.lastYear || '—'}</dd>
      </dl>
      {comment && (
        <p role="note" className="my-2 rounded-8 border-l-4 border-orange-700 bg-orange-50 p-3 text-std-16N-170" data-testid="return-comment">
          企画課からの差戻し: {comment}
        </p>
      )}
      {editable ? (
        <div className="mt-2">
          <label htmlFor={inputId} className="block text-dns-16B-130">
            {warekiFiscalYear(year)}の実績
          </label>
          <input
            id={inputId}
            className="mt-1 min-h-11 w-full max-w-md rounded-8 border border-solid-gray-600 px-3 text-std-16N-170"
            value={raw}
            aria-describedby={`${inputId}-preview`}
            onChange={(e) => {
              setRaw(e.target.value);
              setDone('');
            }}
          />
          <ValuePreview municipality={municipality} indicator={row.indicator} year={year} raw={raw} id={`${inputId}-preview`} />
          <div className="mt-2 flex flex-wrap gap-2">
            <Button variant="secondary" disabled={!raw.trim() || save.isPending} onClick={() => save.mutate()}>
              下書き保存
            </Button>
            <Button disabled={!raw.trim() || submit.isPending} onClick={() => submit.mutate()}>
              {row.state === 'returned' ? '修正して再提出' : '提出'}
            </Button>
          </div>
        </div>
      ) : (
        <p className="mt-2 text-dns-16N-130">
          実績: <strong>{row.actual || '—'}</strong>
          {row.state === 'submitted' && '（企画課の確認待ちです）'}
        </p>
      )}
      {done && (
        <p role="status" className="mt-2 text-dns-14N-130 text-green-1100">
          {done}
        </p>
      )}
      {save.error && <ErrorBox error={save.error} />}
      {submit.error && <ErrorBox error={submit.error} />}
    </li>
  );
}
