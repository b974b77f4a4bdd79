// How Sokei understood what the user typed, from the API (RecordObservations with validateOnly:
// the importer's own parser), shown as they type.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, ApiError, type Measurement, unwrap } from '../../api/client';

const STATUS: Record<string, string> = {
  VALUE_STATUS_FINAL: '確定値',
  VALUE_STATUS_PRELIMINARY: '速報値',
  VALUE_STATUS_FORECAST: '見込み',
  VALUE_STATUS_PROVISIONAL: '暫定値',
  VALUE_STATUS_UNPUBLISHED: '未公表',
  VALUE_STATUS_NOT_APPLICABLE: '該当なし',
  VALUE_STATUS_NOT_EVALUABLE: '評価不能',
};

export function describeMeasurement(m: Measurement): string {
  const parts: string[] = [];
  if (m.value) parts.push(`数値 ${Number(m.value).toLocaleString('ja-JP', { maximumFractionDigits: 6 })}`);
  if (m.unit) parts.push(`単位 ${m.unit}`);
  if (m.qualitative) parts.push(`記述「${m.qualitative}」`);
  if (m.status && STATUS[m.status]) parts.push(STATUS[m.status]!);
  if (m.partialPeriod) parts.push('年度途中の値（評価には使われません）');
  if (m.understood === 'UNDERSTANDING_PARTIAL') parts.push(`読み取れなかった部分: ${m.note || '一部'}`);
  if (m.understood === 'UNDERSTANDING_PLACEHOLDER') parts.push('数値ではありません');
  return parts.join(' ・ ');
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function ValuePreview({ municipality, indicator, year, raw, id }: { municipality: string; indicator: string; year: number; raw: string; id: string }) {
  const text = useDebounced(raw.trim(), 250);
  const q = useQuery({
    queryKey: ['parse', indicator, year, text],
    enabled: text.length > 0,
    retry: false,
    queryFn: async () =>
      unwrap(
        await api.POST('/v1/municipalities/{municipality}/observations:batchRecord', {
          params: { path: { municipality } },
          body: { observations: [{ indicator, fiscalYear: year, rawValue: text }], validateOnly: true },
        }),
      ).observations?.[0]?.value,
  });
  if (!text) return <p id={id} className="min-h-6 text-dns-14N-130 text-solid-gray-600">値を入力してください（例: 176人、85.3%、策定済み、速報値 12件）</p>;
  if (q.error)
    return (
      <p id={id} role="alert" className="min-h-6 text-dns-14N-130 text-red-1000">
        読み取れません: {q.error instanceof ApiError ? q.error.message : String(q.error)}
      </p>
    );
  return (
    <p id={id} aria-live="polite" data-testid="preview" className="min-h-6 text-dns-14N-130 text-green-1100">
      {q.data ? `読み取り結果: ${describeMeasurement(q.data)}` : '確認しています…'}
    </p>
  );
}
