// One evaluation sheet: the node's indicators from the evaluation's snapshot, the 事業 under a
// 施策, and the template's fields by section — inputs where the signed-in person may write now,
// text elsewhere. A save that meets someone else's newer save shows both versions side by side
// and lets the writer choose; nothing typed is lost.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { warekiFiscalYear } from '../../lib/fiscal';
import { api, ApiError, unwrap } from '../../api/client';
import { dispositionFilename, saveBlob } from '../../lib/files';
import { Button } from '../../ui/Button';
import { ErrorBox, Loading } from '../../ui/Status';
import { TableHead } from '../../ui/TableHead';
import { useAuth } from '../auth/AuthContext';
import { IndicatorTable } from '../evaluation/IndicatorTable';
import { hasRole } from '../auth/session';
import {
  canAccept,
  canReturn,
  canSubmit,
  canWrite,
  changedKeys,
  charCount,
  conflicts,
  fieldsOf,
  limitOf,
  SECTION_LABEL,
  SHEET_STATE_LABEL,
  type Section,
  type Sheet,
  type SheetField,
  type Stage,
} from './sheetRules';
import { SheetCosts } from './SheetCosts';
import { SheetPerceptions } from './SheetPerceptions';
import { idOf, useSheet, useSheetTemplate } from './useSheets';

type Values = Record<string, string>;
const SECTIONS: Section[] = ['SHEET_SECTION_DEPARTMENT', 'SHEET_SECTION_PLANNING', 'SHEET_SECTION_COMMITTEE'];

interface Props {
  municipality: string;
  plan: string;
  year: number;
  sheetId: string;
  stage: Stage | undefined;
  departmentNames: Map<string, string>;
}

export function SheetEditor({ municipality, plan, year, sheetId, stage, departmentNames }: Props) {
  const { session } = useAuth();
  const sheetQ = useSheet(municipality, plan, year, sheetId);
  const templateQ = useSheetTemplate(municipality, plan);
  const qc = useQueryClient();
  // What this person typed, and the version they started from (null: nothing typed).
  const [draft, setDraft] = useState<Values | null>(null);
  const [base, setBase] = useState<{ values: Values; etag: string } | null>(null);
  const [conflict, setConflict] = useState<{ theirs: Sheet; keys: string[] } | null>(null);
  const [notice, setNotice] = useState('');
  const [returning, setReturning] = useState(false);
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const path = { municipality, plan, evaluation: String(year), sheet: sheetId };

  const sheet = sheetQ.data;
  const stored: Values = (sheet?.values ?? {}) as Values;
  const shown: Values = draft ?? stored;
  const published = stage === 'EVALUATION_STAGE_PUBLISHED';
  const who = {
    planner: hasRole(session, 'planner'),
    owner: !!session?.roles.includes('editor') && (sheet?.departments ?? []).some((d) => (session?.departments ?? []).includes(idOf(d))),
  };
  const amending = published && who.planner;
  const writable = (f: SheetField) => amending || canWrite(who, f.section ?? 'SHEET_SECTION_DEPARTMENT', sheet?.state, stage);

  const refresh = async (s: Sheet) => {
    qc.setQueryData(['sheet', municipality, plan, year, sheetId], s);
    await qc.invalidateQueries({ queryKey: ['sheets', municipality, plan, year] });
  };

  const save = useMutation({
    mutationFn: async ({ values, etag }: { values: Values; etag: string }) => {
      const from = base?.values ?? stored;
      const body: Values = {};
      for (const k of changedKeys(from, values)) body[k] = values[k] ?? '';
      return unwrap(
        await api.PATCH('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}/sheets/{sheet}', {
          params: { path, query: amending ? { amendmentReason: reason } : {} },
          body: { etag, values: body },
        }),
      );
    },
    onSuccess: async (s) => {
      setDraft(null);
      setBase(null);
      setConflict(null);
      setReason('');
      setNotice(amending ? '訂正を保存しました。' : '保存しました。');
      await refresh(s);
    },
    onError: async (e) => {
      if (!(e instanceof ApiError) || e.status !== 409 || !draft) return;
      // Someone saved first: read what is stored now and show where it meets what was typed.
      const theirs = unwrap(
        await api.GET('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}/sheets/{sheet}', { params: { path } }),
      );
      const keys = conflicts(base?.values ?? stored, draft, (theirs.values ?? {}) as Values);
      setConflict({ theirs, keys });
    },
  });

  const transition = useMutation({
    mutationFn: async (verb: 'submit' | 'return' | 'accept') => {
      const body = { etag: sheet?.etag ?? '', comment: verb === 'return' ? comment : '' };
      const r =
        verb === 'submit'
          ? await api.POST('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}/sheets/{sheet}:submit', { params: { path }, body })
          : verb === 'return'
            ? await api.POST('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}/sheets/{sheet}:return', { params: { path }, body })
            : await api.POST('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}/sheets/{sheet}:accept', { params: { path }, body });
      return { sheet: unwrap(r), verb };
    },
    onSuccess: async ({ sheet: s, verb }) => {
      setReturning(false);
      setComment('');
      setNotice(verb === 'submit' ? '企画課に提出しました。' : verb === 'return' ? '所管課に差し戻しました。' : '確認済にしました。');
      await refresh(s);
    },
  });

  // The printable page, or the sheet as a spreadsheet.
  const download = async (asXlsx: boolean) => {
    setDownloadError(null);
    try {
      const r = await api.GET('/v1/municipalities/{municipality}/plans/{plan}/evaluations/{evaluation}/sheets/{sheet}:report', {
        params: { path, query: { alt: 'media', ...(asXlsx ? { tableFormat: 'TABLE_FORMAT_XLSX' as const } : {}) } },
        parseAs: 'blob',
      });
      const fallback = `sheet-${sheetId}.${asXlsx ? 'xlsx' : 'html'}`;
      saveBlob(unwrap(r) as Blob, dispositionFilename(r.response.headers.get('Content-Disposition'), fallback));
    } catch (e) {
      setDownloadError(e);
    }
  };

  if (sheetQ.isPending || templateQ.isPending) return <Loading what="評価シート" />;
  if (sheetQ.error) return <ErrorBox error={sheetQ.error} />;
  if (templateQ.error) return <ErrorBox error={templateQ.error} />;
  if (!sheet) return null;
  const fields = templateQ.data?.fields ?? [];
  const edit = (key: string, value: string) => {
    setNotice('');
    if (!draft) setBase({ values: stored, etag: sheet.etag ?? '' });
    setDraft({ ...(draft ?? stored), [key]: value });
  };
  const dirty = !!draft && changedKeys(base?.values ?? stored, draft).length > 0;
  const lastReturn = [...(sheet.reviewHistory ?? [])].reverse().find((e) => e.state === 'REVIEW_STATE_RETURNED');
  const tooLong = fields.some((f) => !f.choices?.length && charCount(shown[f.key ?? ''] ?? '') > limitOf(f));

  return (
    <section aria-labelledby="sheet-title" className="rounded-8 border border-solid-gray-420 p-4" data-testid="sheet-editor">
      <div className="mb-3 flex flex-wrap items-start justify-between gap-2">
        <div>
          <p className="text-dns-14N-130 text-solid-gray-700">{sheet.kind === 'SHEET_KIND_MEASURE' ? '施策評価シート' : '事務事業評価シート'}</p>
          <h2 id="sheet-title" className="text-std-24B-150">
            {sheet.code} {sheet.displayName}
          </h2>
          <p className="text-dns-14N-130">
            所管: {(sheet.departments ?? []).map((d) => departmentNames.get(d) || idOf(d)).join('・') || '—'} ・ 状態:{' '}
            <strong data-testid="sheet-state">{SHEET_STATE_LABEL[sheet.state ?? 'SHEET_STATE_DRAFT']}</strong> ・{' '}
            <Link className="text-blue-1000 underline" to={`/app/plans/${municipality}/${plan}/nodes/${idOf(sheet.node)}/history`}>
              前の計画からの経緯
            </Link>
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={() => download(false)}>
            印刷用ページ（HTML）
          </Button>
          <Button variant="secondary" onClick={() => download(true)}>
            Excel（xlsx）
          </Button>
        </div>
      </div>
      {downloadError !== null && <ErrorBox error={downloadError} />}
      {sheet.state === 'SHEET_STATE_RETURNED' && lastReturn && (
        <p role="note" className="mb-3 rounded-8 border-2 border-orange-800 bg-orange-50 p-3 text-std-16N-170" data-testid="return-comment">
          企画課からの差戻し: {lastReturn.comment}
        </p>
      )}
      <Indicators sheet={sheet} />
      <SheetPerceptions sheet={sheet} />
      <SheetCosts
        sheet={sheet}
        edit={who.planner ? { municipality, plan, onSaved: () => qc.invalidateQueries({ queryKey: ['sheet', municipality, plan, year, sheetId] }) } : undefined}
      />
      <Children sheet={sheet} fields={fields} />
      {SECTIONS.map((section) => {
        const list = fieldsOf(fields, sheet.kind, section);
        if (list.length === 0) return null;
        return (
          <fieldset key={section} className="mb-4 rounded-8 border border-solid-gray-420 p-3" data-section={section}>
            <legend className="px-1 text-std-18B-160">{SECTION_LABEL[section]}</legend>
            <div className="grid gap-3">
              {list.map((f) => (
                <FieldInput key={f.key} field={f} value={shown[f.key ?? ''] ?? ''} editable={writable(f)} onChange={(v) => edit(f.key ?? '', v)} />
              ))}
            </div>
          </fieldset>
        );
      })}
      {conflict && draft && (
        <div role="alert" className="mb-4 rounded-8 border-2 border-red-900 bg-red-50 p-4" data-testid="conflict">
          <p className="mb-2 text-std-16B-170">ほかの人がこのシートを先に保存しました。あなたの入力はまだ保存されていません。</p>
          {conflict.keys.length > 0 ? (
            <table className="mb-3 min-w-full border-collapse bg-white text-dns-14N-130">
              <caption className="sr-only">あなたの入力と保存されている内容</caption>
              <TableHead columns={['項目', 'あなたの入力', '保存されている内容']} />
              <tbody>
                {conflict.keys.map((k) => (
                  <tr key={k}>
                    <th scope="row" className="border border-solid-gray-420 p-2 text-left">
                      {fields.find((f) => f.key === k && f.kind === sheet.kind)?.label ?? k}
                    </th>
                    <td className="whitespace-pre-wrap border border-solid-gray-420 p-2">{draft[k] ?? ''}</td>
                    <td className="whitespace-pre-wrap border border-solid-gray-420 p-2">{(conflict.theirs.values as Values | undefined)?.[k] ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="mb-3">あなたが変えた項目は、保存されている内容と同じか、ほかの人が変えていない項目です。</p>
          )}
          <div className="flex flex-wrap gap-2">
            <Button
              onClick={() => {
                // Theirs for what this person did not touch, theirs as the new base, mine on top.
                const theirs = (conflict.theirs.values ?? {}) as Values;
                const mine = { ...theirs };
                for (const k of changedKeys(base?.values ?? stored, draft)) mine[k] = draft[k] ?? '';
                setBase({ values: theirs, etag: conflict.theirs.etag ?? '' });
                setDraft(mine);
                qc.setQueryData(['sheet', municipality, plan, year, sheetId], conflict.theirs);
                setConflict(null);
                save.mutate({ values: mine, etag: conflict.theirs.etag ?? '' });
              }}
            >
              自分の入力で保存し直す
            </Button>
            <Button
              variant="secondary"
              onClick={() => {
                qc.setQueryData(['sheet', municipality, plan, year, sheetId], conflict.theirs);
                setDraft(null);
                setBase(null);
                setConflict(null);
              }}
            >
              保存されている内容に合わせる
            </Button>
          </div>
        </div>
      )}
      {amending && (
        <div className="mb-3 flex flex-col text-dns-16N-130">
          <label htmlFor="amend-reason">訂正の理由（公表後の訂正として記録されます）</label>
          <input id="amend-reason" className="min-h-11 rounded-8 border border-solid-gray-600 px-2" value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
      )}
      <div className="flex flex-wrap items-center gap-2">
        {fields.some(writable) && (
          <Button
            disabled={!dirty || tooLong || save.isPending || (amending && !reason.trim())}
            onClick={() => draft && save.mutate({ values: draft, etag: base?.etag ?? sheet.etag ?? '' })}
          >
            {amending ? '訂正を保存' : '保存'}
          </Button>
        )}
        {canSubmit(who, sheet.state, stage) && (
          <Button variant="secondary" disabled={dirty || transition.isPending} onClick={() => transition.mutate('submit')}>
            企画課に提出
          </Button>
        )}
        {canAccept(who, sheet.state, stage) && (
          <Button variant="secondary" disabled={dirty || transition.isPending} onClick={() => transition.mutate('accept')}>
            確認済にする
          </Button>
        )}
        {canReturn(who, sheet.state, stage) && !returning && (
          <Button variant="danger" onClick={() => setReturning(true)}>
            差戻し…
          </Button>
        )}
        {notice && (
          <p role="status" className="text-std-16N-170 text-green-1100">
            {notice}
          </p>
        )}
      </div>
      {dirty && canSubmit(who, sheet.state, stage) && <p className="mt-1 text-dns-14N-130">提出する前に保存してください。</p>}
      {returning && (
        <div className="mt-3 flex flex-col gap-2 text-dns-16N-130">
          <label htmlFor="return-comment">差戻しの理由（所管課に表示されます）</label>
          <textarea id="return-comment" rows={3} className="rounded-8 border border-solid-gray-600 p-2" value={comment} onChange={(e) => setComment(e.target.value)} />
          <div className="flex gap-2">
            <Button variant="danger" disabled={!comment.trim() || transition.isPending} onClick={() => transition.mutate('return')}>
              差し戻す
            </Button>
            <Button variant="secondary" onClick={() => setReturning(false)}>
              やめる
            </Button>
          </div>
        </div>
      )}
      {save.error && !conflict && <ErrorBox error={save.error} />}
      {transition.error && <ErrorBox error={transition.error} />}
      <History sheet={sheet} />
    </section>
  );
}

function FieldLabel({ id, field }: { id: string; field: SheetField }) {
  return (
    <>
      <label htmlFor={id}>
        {field.label}
        {field.required && <span className="ml-1 text-red-900">（必須）</span>}
      </label>
      {field.help && <span className="text-dns-14N-130 text-solid-gray-700">{field.help}</span>}
    </>
  );
}

function FieldInput({ field, value, editable, onChange }: { field: SheetField; value: string; editable: boolean; onChange: (v: string) => void }) {
  const id = `sheet-field-${field.key}`;
  const limit = limitOf(field);
  const n = charCount(value);
  if (!editable) {
    return (
      <div className="text-std-16N-170" data-field={field.key}>
        <p className="text-dns-14B-130">{field.label}</p>
        <p className="whitespace-pre-wrap">{value || <span className="text-solid-gray-600">（未記入）</span>}</p>
      </div>
    );
  }
  if (field.choices?.length) {
    return (
      <div className="flex flex-col text-dns-16N-130" data-field={field.key}>
        <FieldLabel id={id} field={field} />
        <select id={id} className="min-h-11 max-w-xs rounded-8 border border-solid-gray-600 px-2" value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">（選択してください）</option>
          {field.choices.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
    );
  }
  return (
    <div className="flex flex-col text-dns-16N-130" data-field={field.key}>
      <FieldLabel id={id} field={field} />
      <textarea
        id={id}
        rows={Math.min(8, Math.max(2, Math.ceil(limit / 200)))}
        className="rounded-8 border border-solid-gray-600 p-2"
        value={value}
        aria-describedby={`${id}-count`}
        onChange={(e) => onChange(e.target.value)}
      />
      <span id={`${id}-count`} className={`text-right text-dns-14N-130 ${n > limit ? 'font-bold text-red-900' : 'text-solid-gray-700'}`}>
        {n} / {limit}字{n > limit && '（長すぎます）'}
      </span>
    </div>
  );
}

const CHANGE: Record<string, string> = {
  TREND_CHANGE_IMPROVED: '改善',
  TREND_CHANGE_WORSENED: '悪化',
  TREND_CHANGE_UNCHANGED: '横ばい',
};

/** Each indicator's 推移: 改善（令和元年度 150人から）, 悪化（基準値 162人（平成29年度）から）. */
function trendTexts(sheet: Sheet): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of sheet.trends ?? []) {
    const word = CHANGE[t.change ?? ''] ?? '—';
    const raw = t.compared?.raw;
    const year = t.comparedYear ? warekiFiscalYear(t.comparedYear) : '';
    out.set(t.indicator ?? '', !raw || !CHANGE[t.change ?? ''] ? word : t.fromBaseline ? `${word}（基準値 ${raw}${year ? `（${year}）` : ''}から）` : `${word}（${year} ${raw}から）`);
  }
  return out;
}

function Indicators({ sheet }: { sheet: Sheet }) {
  const list = sheet.indicators ?? [];
  return (
    <div className="mb-4">
      <h3 className="mb-1 text-std-18B-160">指標（評価時点の値）</h3>
      {list.length === 0 ? (
        <p className="text-std-16N-170">このシートに結び付いた指標はありません。</p>
      ) : (
        <IndicatorTable results={list} caption="指標の目標、実績、達成率、推移と評価" trends={trendTexts(sheet)} />
      )}
    </div>
  );
}

function Children({ sheet, fields }: { sheet: Sheet; fields: SheetField[] }) {
  const list = sheet.children ?? [];
  if (list.length === 0) return null;
  const cols = fields.filter((f) => f.kind === 'SHEET_KIND_PROJECT' && (f.choices?.length ?? 0) > 0 && f.section !== 'SHEET_SECTION_COMMITTEE');
  return (
    <div className="mb-4">
      <h3 className="mb-1 text-std-18B-160">構成事業</h3>
      <div className="overflow-x-auto">
        <table className="min-w-full border-collapse text-dns-14N-130">
          <caption className="sr-only">この施策の事業と、その評価シートの状態と方向性</caption>
          <TableHead columns={['番号', '事業', ...cols.map((f) => f.label ?? ''), '状態']} />
          <tbody>
            {list.map((c) => (
              <tr key={c.sheet}>
                <td className="border border-solid-gray-420 p-2">{c.code}</td>
                <th scope="row" className="border border-solid-gray-420 p-2 text-left font-normal">
                  {c.displayName}
                </th>
                {cols.map((f) => (
                  <td key={f.key} className="border border-solid-gray-420 p-2">
                    {(c.choices as Values | undefined)?.[f.key ?? ''] ?? ''}
                  </td>
                ))}
                <td className="border border-solid-gray-420 p-2">{SHEET_STATE_LABEL[c.state ?? 'SHEET_STATE_DRAFT']}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function History({ sheet }: { sheet: Sheet }) {
  const events = sheet.reviewHistory ?? [];
  const amendments = sheet.amendments ?? [];
  if (events.length === 0 && amendments.length === 0) return null;
  const verb: Record<string, string> = { REVIEW_STATE_SUBMITTED: '提出', REVIEW_STATE_RETURNED: '差戻し', REVIEW_STATE_APPROVED: '確認' };
  return (
    <div className="mt-4">
      <h3 className="mb-1 text-std-18B-160">経過</h3>
      <ol className="grid gap-1 text-dns-14N-130" data-testid="sheet-history">
        {events.map((e, i) => (
          <li key={i}>
            {e.time ? new Date(e.time).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo' }) : ''} {verb[e.state ?? ''] ?? e.state}
            {e.actor && `（${e.actor}）`}
            {e.comment && `: ${e.comment}`}
          </li>
        ))}
        {amendments.map((a, i) => (
          <li key={`a${i}`}>
            訂正 {a.field}: 「{a.before}」→「{a.after}」（{a.reason}）
          </li>
        ))}
      </ol>
    </div>
  );
}
