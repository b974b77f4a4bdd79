// 企画課: bring the progress table the city already keeps. Upload, see what Sokei recognised and
// every finding (dry run: nothing written), then import.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { rawFile } from '../../lib/files';
import { Button } from '../../ui/Button';
import { ErrorBox, PageTitle } from '../../ui/Status';
import { PlanPicker } from '../entry/PlanPicker';
import { columnLetter, columnYear, countBySeverity, orderFindings, roleLabel, SEVERITY_LABEL, severityOf } from './findings';
import { useWorkingPlan } from '../plans/useWorkingPlan';
import { TableHead } from '../../ui/TableHead';
import { Field } from '../../ui/Field';

type Encoding = 'TABLE_ENCODING_UNSPECIFIED' | 'TABLE_ENCODING_UTF8' | 'TABLE_ENCODING_CP932';

export function ImportPage() {
  const { municipality, plans, plan, setPlan } = useWorkingPlan();
  const [file, setFile] = useState<File | null>(null);
  const [encoding, setEncoding] = useState<Encoding>('TABLE_ENCODING_UNSPECIFIED');
  const [allowPartial, setAllowPartial] = useState(false);
  const qc = useQueryClient();
  const run = useMutation({
    mutationFn: async (dryRun: boolean) => {
      if (!file || !plan) throw new Error('計画とファイルを選んでください');
      return {
        dryRun,
        reply: unwrap(
          await api.POST('/v1/municipalities/{municipality}/plans/{plan}:importProgressTable', {
            params: { path: { municipality, plan }, query: { encoding, dryRun, allowPartial } },
            ...rawFile(file),
          }),
        ),
      };
    },
    onSuccess: ({ dryRun }) => {
      if (!dryRun) qc.invalidateQueries({ queryKey: ['kpiSummary'] });
    },
  });
  const result = run.data?.reply;
  const findings = orderFindings(result?.findings ?? []);
  const counts = countBySeverity(findings);
  const c = result?.counts ?? {};
  return (
    <>
      <PageTitle>進捗表の取り込み</PageTitle>
      <p className="mb-4 max-w-3xl text-std-16N-170">
        市で管理している進捗表（Excel の .xlsx、または TSV・CSV（UTF-8 か Shift_JIS））をそのまま取り込みます。まず確認（ドライラン）で、
        読み取った内容とすべての指摘を表示します。この段階では何も書き込まれません。
      </p>
      <div className="mb-4 flex flex-wrap items-end gap-4">
        {plans.data && <PlanPicker plans={plans.data} value={plan} onChange={setPlan} />}
        <Field id="table-file" label="進捗表のファイル">
          <input
            id="table-file"
            type="file"
            accept=".xlsx,.tsv,.csv,.txt,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv,text/tab-separated-values,text/plain"
            className="mt-1 min-h-11"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              run.reset();
            }}
          />
        </Field>
        <Field id="table-encoding" label="文字コード">
          <select
            id="table-encoding"
            className="mt-1 min-h-11 rounded-8 border border-solid-gray-600 px-3"
            value={encoding}
            onChange={(e) => setEncoding(e.target.value as Encoding)}
          >
            <option value="TABLE_ENCODING_UNSPECIFIED">自動判定</option>
            <option value="TABLE_ENCODING_UTF8">UTF-8</option>
            <option value="TABLE_ENCODING_CP932">Shift_JIS（CP932）</option>
          </select>
        </Field>
      </div>
      <div className="mb-6 flex flex-wrap items-center gap-3">
        <Button variant="secondary" disabled={!plan || !file || run.isPending} onClick={() => run.mutate(true)}>
          確認する（書き込みません）
        </Button>
        <Button disabled={!plan || !file || !result || !run.data?.dryRun || run.isPending || (counts.error > 0 && !allowPartial)} onClick={() => run.mutate(false)}>
          取り込む
        </Button>
        {counts.error > 0 && (
          <label className="flex items-center gap-2 text-dns-16N-130">
            <input type="checkbox" checked={allowPartial} onChange={(e) => setAllowPartial(e.target.checked)} />
            エラーのない行だけ取り込む
          </label>
        )}
      </div>
      {run.isPending && <p role="status">処理しています…</p>}
      {run.error && <ErrorBox error={run.error} />}
      {result && (
        <section aria-labelledby="import-result" data-testid="import-result">
          <h2 id="import-result" className="mb-2 text-std-20B-150">
            {run.data?.dryRun ? '確認の結果（まだ書き込んでいません）' : result.committed ? '取り込みました' : '取り込めませんでした'}
          </h2>
          <dl className="mb-4 grid max-w-3xl grid-cols-2 gap-x-6 gap-y-1 text-dns-16N-130 desktop:grid-cols-4">
            <dt className="text-solid-gray-700">行数</dt>
            <dd>{c.rows ?? 0}</dd>
            <dt className="text-solid-gray-700">年度</dt>
            <dd>{result.fiscalYear ?? '—'}</dd>
            <dt className="text-solid-gray-700">指標 新規 / 更新 / 変更なし</dt>
            <dd data-testid="indicator-counts">
              {c.indicatorsCreated ?? 0} / {c.indicatorsUpdated ?? 0} / {c.indicatorsUnchanged ?? 0}
            </dd>
            <dt className="text-solid-gray-700">実績 新規 / 更新 / 変更なし</dt>
            <dd data-testid="observation-counts">
              {c.observationsCreated ?? 0} / {c.observationsUpdated ?? 0} / {c.observationsUnchanged ?? 0}
            </dd>
            <dt className="text-solid-gray-700">読み取ったセル / 完全に理解</dt>
            <dd>
              {c.cellsParsed ?? 0} / {c.cellsFullyUnderstood ?? 0}
            </dd>
          </dl>
          <h3 className="mb-2 text-std-18B-160">読み取った列</h3>
          <div className="mb-4 overflow-x-auto">
            <table className="border-collapse text-dns-14N-130" data-testid="import-columns">
              <caption className="sr-only">見出し行の各列をどう読み取ったか</caption>
              <TableHead columns={['列', '見出し', '読み取った役割', '年度']} />
              <tbody>
                {(result.columns ?? []).map((col) => (
                  <tr key={col.index} data-role={col.role}>
                    <td className="border border-solid-gray-420 p-2 text-right">{columnLetter(col.index ?? 0)}</td>
                    <td className="border border-solid-gray-420 p-2">{col.header}</td>
                    <td className="border border-solid-gray-420 p-2">{roleLabel(col.role ?? '')}</td>
                    <td className="border border-solid-gray-420 p-2">
                      {col.fiscalYear ? columnYear(col) : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3 className="mb-2 text-std-18B-160">
            指摘 {findings.length} 件（エラー {counts.error}、警告 {counts.warning}、情報 {counts.info}）
          </h3>
          {findings.length > 0 && (
            // Scrolls on its own: focusable so that keyboard users can scroll it too.
            <div className="max-h-[32rem] overflow-auto" tabIndex={0} role="region" aria-label="取り込みの指摘の一覧">
              <table className="min-w-full border-collapse text-dns-14N-130">
                <caption className="sr-only">取り込みの指摘</caption>
                <TableHead columns={['行', '列', '重要度', '書かれていた値', '読み取り', 'コード']} sticky />
                <tbody>
                  {findings.map((f, i) => (
                    <tr key={i} data-severity={severityOf(f)}>
                      <td className="border border-solid-gray-420 p-2 text-right">{f.row}</td>
                      <td className="border border-solid-gray-420 p-2">{f.column}</td>
                      <td className="border border-solid-gray-420 p-2">{SEVERITY_LABEL[severityOf(f)]}</td>
                      <td className="border border-solid-gray-420 p-2">{f.raw}</td>
                      <td className="border border-solid-gray-420 p-2">{f.understood}</td>
                      <td className="border border-solid-gray-420 p-2 font-mono">{f.code}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}
