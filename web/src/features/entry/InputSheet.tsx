// The department's habit, kept: download the input sheet (the department's indicators of the
// year as xlsx), fill in the 実績 column in Excel, upload it back. What Sokei read is shown cell by
// cell before anything is written; saving records drafts, submitted as usual afterwards.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { warekiFiscalYear } from '../../lib/fiscal';
import { dispositionFilename, rawFile, saveBlob } from '../../lib/files';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { ErrorBox } from '../../ui/Status';
import { TableHead } from '../../ui/TableHead';
import { SEVERITY_LABEL, severityOf } from '../import/findings';
import { canSave, sheetFindingText } from './sheetFindings';
import { describeMeasurement } from './ValuePreview';
import type { IndicatorRow } from './useIndicatorRows';

interface Props {
  municipality: string;
  plan: string;
  year: number;
  department: string; // municipalities/{m}/departments/{d}
  rows: IndicatorRow[];
}

export function InputSheet({ municipality, plan, year, department, rows }: Props) {
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const download = useMutation({
    mutationFn: async () => {
      const r = await api.GET('/v1/municipalities/{municipality}/plans/{plan}:exportProgressTable', {
        params: { path: { municipality, plan }, query: { fiscalYear: year, format: 'TABLE_FORMAT_XLSX', department, alt: 'media' } },
        parseAs: 'blob',
      });
      const blob = unwrap(r) as Blob;
      saveBlob(blob, dispositionFilename(r.response.headers.get('Content-Disposition'), `input-sheet-${year}.xlsx`));
    },
  });
  const upload = useMutation({
    mutationFn: async (validateOnly: boolean) => {
      if (!file) throw new Error('記入した入力シートを選んでください');
      return {
        validateOnly,
        reply: unwrap(
          await api.POST('/v1/municipalities/{municipality}/plans/{plan}:importObservationSheet', {
            params: { path: { municipality, plan }, query: { fiscalYear: year, validateOnly } },
            ...rawFile(file),
          }),
        ),
      };
    },
    onSuccess: ({ validateOnly }) => {
      if (!validateOnly) qc.invalidateQueries({ queryKey: ['kpiSummary'] });
    },
  });
  const reply = upload.data?.reply;
  const findings = reply?.findings ?? [];
  const values = reply?.observations ?? [];
  const nameOf = (observation: string) => {
    const indicator = observation.split('/observations/')[0];
    const row = rows.find((r) => r.indicator === indicator);
    return row ? `${row.code} ${row.name}` : indicator;
  };
  return (
    <section aria-labelledby="sheet-title" className="mb-6 rounded-8 border border-solid-gray-420 p-4">
      <h2 id="sheet-title" className="mb-2 text-std-20B-150">
        Excel の入力シートで入力する
      </h2>
      <p className="mb-3 text-std-16N-170">
        担当課の指標の一覧を Excel でダウンロードし、「{warekiFiscalYear(year)}実績」の列に記入して取り込めます。
        番号と指標名は書き換えないでください。取り込む前に、読み取った内容を確認できます。
      </p>
      <div className="flex flex-wrap items-end gap-4">
        <Button variant="secondary" disabled={download.isPending} onClick={() => download.mutate()}>
          入力シートをダウンロード（Excel）
        </Button>
        <Field id="sheet-file" label="記入した入力シート">
          <input
            id="sheet-file"
            type="file"
            accept=".xlsx,.csv,.tsv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
            className="mt-1 min-h-11"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              upload.reset();
            }}
          />
        </Field>
        <Button variant="secondary" disabled={!file || upload.isPending} onClick={() => upload.mutate(true)}>
          内容を確認
        </Button>
      </div>
      {download.error && <ErrorBox error={download.error} />}
      {upload.error && <ErrorBox error={upload.error} />}
      {reply && (
        <div className="mt-4" data-testid="sheet-result">
          {upload.data?.validateOnly ? (
            <p className="mb-2 text-std-16N-170">
              読み取った実績 {values.length} 件（保存済みと同じ値 {reply.unchanged ?? 0} 件）。まだ保存されていません。
            </p>
          ) : (
            <p role="status" className="mb-2 text-std-16N-170 font-bold text-green-1100">
              {values.length} 件を下書きとして保存しました。内容を確かめて、各指標の「提出」で企画課へ提出してください。
            </p>
          )}
          {values.length > 0 && (
            <div className="overflow-x-auto">
              <table className="w-full border-collapse text-dns-14N-130">
                <caption className="sr-only">入力シートから読み取った実績</caption>
                <TableHead columns={['指標', '記入された値', '読み取り結果']} />
                <tbody>
                  {values.map((o) => (
                    <tr key={o.name} className="border-b border-solid-gray-200">
                      <td className="p-2">{nameOf(o.name ?? '')}</td>
                      <td className="p-2">{o.value?.raw}</td>
                      <td className="p-2">{o.value ? describeMeasurement(o.value) : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {findings.length > 0 && (
            <ul className="mt-3 grid gap-2" aria-label="指摘">
              {findings.map((f, i) => (
                <li
                  key={i}
                  data-testid="sheet-finding"
                  data-code={f.code}
                  className={`rounded-4 border p-2 text-dns-14N-130 ${severityOf(f) === 'error' ? 'border-red-900 bg-red-50' : 'border-solid-gray-420'}`}
                >
                  <span className="font-bold">{SEVERITY_LABEL[severityOf(f)]}</span>
                  {f.row ? `（${f.row}行目${f.column ? `・${f.column}` : ''}${f.raw ? `「${f.raw}」` : ''}）` : ''}: {sheetFindingText(f)}
                </li>
              ))}
            </ul>
          )}
          {upload.data?.validateOnly && canSave(findings, values.length) && (
            <Button className="mt-3" onClick={() => upload.mutate(false)} disabled={upload.isPending}>
              この内容で保存（下書き）
            </Button>
          )}
        </div>
      )}
    </section>
  );
}
