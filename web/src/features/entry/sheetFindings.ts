// What a returned input sheet's findings mean, in words for the department.
import type { Finding } from '../import/findings';

const MEANING: Record<string, string> = {
  SHEET_INDICATOR_UNKNOWN: 'この計画に、この番号と名前の指標がありません。番号や指標名を書き換えずに入力してください。',
  SHEET_DUPLICATE_ROW: '同じ指標がシートに2回あります。',
  SHEET_NOT_YOUR_INDICATOR: '他の課の指標です。担当課の指標だけ入力してください。',
  SHEET_VALUE_LOCKED: '提出済み・承認済みの値です。変更は企画課から差し戻された後にできます。',
  SHEET_NOTHING_TO_RECORD: '新しく入力された実績がありません（空欄か、保存済みと同じ値です）。',
  PARTIAL_VALUE: '数値は読み取れましたが、一部は注記として保存されます。',
  QUALITATIVE_VALUE: '数値ではない記述として保存されます。',
  RAGGED_ROW: '見出しと列の数が合いません。',
  CELL_TOO_LONG: 'セルの内容が長すぎます（4 KiB まで）。',
};

/** The department-facing sentence for a finding (the server's words when there is none). */
export function sheetFindingText(f: Finding): string {
  return (f.code && MEANING[f.code]) || f.understood || f.code || '';
}

/** Whether the sheet may be saved: something to record and no error. */
export function canSave(findings: Finding[], values: number): boolean {
  return values > 0 && !findings.some((f) => f.severity === 'FINDING_SEVERITY_ERROR');
}
