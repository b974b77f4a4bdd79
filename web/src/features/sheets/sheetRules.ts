// What the signed-in person may do with an evaluation sheet, for drawing the form: which
// sections are inputs and which buttons show. The same rules as the KPI service's
// (services/kpi/domain/sheet_rules.cc); the service decides, the console only does not offer what
// would be refused.
import type { Schemas } from '../../api/client';

export type Sheet = Schemas['sokei.kpi.v1.EvaluationSheet'];
export type SheetField = Schemas['sokei.kpi.v1.SheetField'];
export type SheetState = NonNullable<Sheet['state']>;
export type Section = NonNullable<SheetField['section']>;
export type Stage = NonNullable<Schemas['sokei.kpi.v1.Evaluation']['stage']>;

export interface Who {
  planner: boolean; // 企画課 (planner or admin)
  owner: boolean; // an editor of one of the sheet's departments
}

export const SHEET_STATE_LABEL: Record<string, string> = {
  SHEET_STATE_DRAFT: '作成中',
  SHEET_STATE_SUBMITTED: '提出済',
  SHEET_STATE_RETURNED: '差戻し',
  SHEET_STATE_ACCEPTED: '確認済',
};

export const SECTION_LABEL: Record<string, string> = {
  SHEET_SECTION_DEPARTMENT: '一次評価（所管課）',
  SHEET_SECTION_PLANNING: '二次評価（企画課）',
  SHEET_SECTION_COMMITTEE: '外部評価委員会の意見',
};

const ORDER: Stage[] = ['EVALUATION_STAGE_SELF', 'EVALUATION_STAGE_PLANNING_REVIEW', 'EVALUATION_STAGE_COMMITTEE', 'EVALUATION_STAGE_PUBLISHED'];
const at = (s: Stage | undefined) => ORDER.indexOf(s ?? 'EVALUATION_STAGE_SELF');
const open = (s: SheetState | undefined) => !s || s === 'SHEET_STATE_DRAFT' || s === 'SHEET_STATE_RETURNED';

/** Whether `who` may write the fields of `section` now (amendments of a published year aside). */
export function canWrite(who: Who, section: Section, state: SheetState | undefined, stage: Stage | undefined): boolean {
  if (stage === 'EVALUATION_STAGE_PUBLISHED') return false;
  switch (section) {
    case 'SHEET_SECTION_DEPARTMENT':
      return (who.planner || who.owner) && at(stage) <= at('EVALUATION_STAGE_PLANNING_REVIEW') && open(state);
    case 'SHEET_SECTION_PLANNING':
      return who.planner && (state === 'SHEET_STATE_SUBMITTED' || state === 'SHEET_STATE_ACCEPTED');
    case 'SHEET_SECTION_COMMITTEE':
      return who.planner && stage === 'EVALUATION_STAGE_COMMITTEE';
    default:
      return false;
  }
}

export function canSubmit(who: Who, state: SheetState | undefined, stage: Stage | undefined): boolean {
  return (who.planner || who.owner) && at(stage) <= at('EVALUATION_STAGE_PLANNING_REVIEW') && open(state);
}

export function canReturn(who: Who, state: SheetState | undefined, stage: Stage | undefined): boolean {
  return who.planner && stage !== 'EVALUATION_STAGE_PUBLISHED' && (state === 'SHEET_STATE_SUBMITTED' || state === 'SHEET_STATE_ACCEPTED');
}

export function canAccept(who: Who, state: SheetState | undefined, stage: Stage | undefined): boolean {
  return who.planner && stage !== 'EVALUATION_STAGE_PUBLISHED' && state === 'SHEET_STATE_SUBMITTED';
}

/** The template's fields of one kind of sheet and one section, in the template's order. */
export function fieldsOf(fields: SheetField[], kind: Sheet['kind'], section: Section): SheetField[] {
  return fields.filter((f) => f.kind === kind && f.section === section);
}

/** A field's limit in characters (the template's, or the service's default of 1,000). */
export function limitOf(f: SheetField): number {
  return f.maxChars && f.maxChars > 0 ? f.maxChars : 1000;
}

/** Characters as the service counts them (code points, not UTF-16 units). */
export function charCount(text: string): number {
  return [...text].length;
}

/** The keys whose text differs between two sets of values (missing = empty). */
export function changedKeys(a: Record<string, string>, b: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => (a[k] ?? '') !== (b[k] ?? '')).sort();
}

/**
 * After a conflicting save: the fields where what this person typed (`mine`, changed from what
 * they started from, `base`) differs from what is stored now (`theirs`) — the ones to show side by
 * side. A field they did not touch is not a conflict, whatever the other person wrote.
 */
export function conflicts(base: Record<string, string>, mine: Record<string, string>, theirs: Record<string, string>): string[] {
  return changedKeys(base, mine).filter((k) => (mine[k] ?? '') !== (theirs[k] ?? ''));
}
