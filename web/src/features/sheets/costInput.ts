// Typing a 事業's money by hand: what a 課 or the 企画課 writes in a form (1,234,000 / １２３４ /
// △500 / 3,000千円) read as yen, and the fields that changed as an update mask for
// UpdateProjectCost. Pure functions, tested in costInput.test.ts.
import type { Schemas } from '../../api/client';

export type Cost = Schemas['sokei.kpi.v1.ProjectCost'];

/** The form's fields, in the order of the sheet: amounts in yen, 人工 in person-years. */
export const COST_FIELDS = [
  { key: 'initial_budget', label: '当初予算' },
  { key: 'supplementary_budgets', label: '補正予算（号ごとに「/」で区切る）' },
  { key: 'current_budget', label: '予算現額（空欄: 当初＋補正）' },
  { key: 'settlement', label: '決算額（空欄: 決算前）' },
  { key: 'carried_forward', label: '翌年度繰越' },
  { key: 'funding.national', label: '財源内訳: 国庫支出金' },
  { key: 'funding.prefectural', label: '財源内訳: 都道府県支出金' },
  { key: 'funding.bonds', label: '財源内訳: 地方債' },
  { key: 'funding.other_specific', label: '財源内訳: その他特定財源' },
  { key: 'funding.general', label: '財源内訳: 一般財源' },
  { key: 'staff_fte', label: '人工（人・年）' },
] as const;

export type CostKey = (typeof COST_FIELDS)[number]['key'];
export type CostForm = Record<CostKey, string>;

/**
 * An amount as typed, in yen: full-width digits and commas, a 千円 or 円 suffix, △ ▲ or - for a
 * negative. '' reads as null (left blank); anything else that is not a whole number of yen is an
 * error message.
 */
export function parseYen(text: string): number | null | { error: string } {
  let t = text.normalize('NFKC').replace(/[,\s]/g, '');
  if (t === '') return null;
  let sign = 1;
  if (/^[△▲-]/.test(t)) {
    sign = -1;
    t = t.slice(1);
  }
  let scale = 1;
  if (t.endsWith('千円')) {
    scale = 1000;
    t = t.slice(0, -2);
  } else if (t.endsWith('円')) {
    t = t.slice(0, -1);
  }
  if (!/^\d+(\.\d+)?$/.test(t)) return { error: '金額は数字で入力してください（例: 1,234,000 または 1,234千円）' };
  const v = Number(t) * scale;
  if (!Number.isInteger(v)) return { error: '円未満の端数は入力できません' };
  if (!Number.isSafeInteger(v)) return { error: '金額が大きすぎます' };
  return sign * v;
}

/** 人工: a non-negative number of person-years, up to two decimals. */
export function parseFte(text: string): number | null | { error: string } {
  const t = text.normalize('NFKC').trim();
  if (t === '') return null;
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return { error: '人工は 0.5 のように小数第2位までの数で入力してください' };
  return Number(t);
}

const amount = (v: string | number | undefined) => (v === undefined || v === null ? '' : String(Number(v)));

/** The stored cost as the form shows it (a missing cost: every field blank). */
export function formOf(c: Cost | undefined): CostForm {
  const f = c?.funding ?? {};
  return {
    initial_budget: c ? amount(c.initialBudget ?? 0) : '',
    supplementary_budgets: (c?.supplementaryBudgets ?? []).map((v) => String(Number(v))).join(' / '),
    current_budget: c ? amount(c.currentBudget ?? 0) : '',
    settlement: c?.hasSettlement ? amount(c.settlement ?? 0) : '',
    carried_forward: c ? amount(c.carriedForward ?? 0) : '',
    'funding.national': c ? amount(f.national ?? 0) : '',
    'funding.prefectural': c ? amount(f.prefectural ?? 0) : '',
    'funding.bonds': c ? amount(f.bonds ?? 0) : '',
    'funding.other_specific': c ? amount(f.otherSpecific ?? 0) : '',
    'funding.general': c ? amount(f.general ?? 0) : '',
    staff_fte: c ? String(c.staffFte ?? 0) : '',
  };
}

export type CostPatch = { cost: Cost; updateMask: string[] } | { errors: Partial<Record<CostKey, string>> };

const FUNDING = {
  'funding.national': 'national',
  'funding.prefectural': 'prefectural',
  'funding.bonds': 'bonds',
  'funding.other_specific': 'otherSpecific',
  'funding.general': 'general',
} as const;
const AMOUNTS = { initial_budget: 'initialBudget', current_budget: 'currentBudget', settlement: 'settlement', carried_forward: 'carriedForward' } as const;

const same = (a: string, b: string) => a.normalize('NFKC').trim() === b.normalize('NFKC').trim();

/**
 * What to send: the fields whose text changed from `stored`, read (the 財源内訳 as one field, all
 * five); or the fields that cannot be read, with why. A blank 予算現額 means 当初 + 補正; a blank
 * 決算額 means the year is not closed, so a stored one cannot be blanked (type 0).
 */
export function costPatch(stored: CostForm, form: CostForm): CostPatch {
  const errors: Partial<Record<CostKey, string>> = {};
  const cost: Cost = {};
  const mask: string[] = [];
  const read = (key: CostKey) => {
    const v = key === 'staff_fte' ? parseFte(form[key]) : parseYen(form[key]);
    if (v !== null && typeof v === 'object') {
      errors[key] = v.error;
      return 0;
    }
    return v;
  };
  for (const key of Object.keys(AMOUNTS) as Array<keyof typeof AMOUNTS>) {
    if (same(form[key], stored[key])) continue;
    const v = read(key);
    if (key === 'settlement' && v === null) {
      errors[key] = '決算額は消せません（0 円なら 0 と入力してください）';
      continue;
    }
    cost[AMOUNTS[key]] = String(v ?? 0);
    mask.push(key);
  }
  if (!same(form.supplementary_budgets, stored.supplementary_budgets)) {
    const values: string[] = [];
    for (const part of form.supplementary_budgets.split(/[/／、]/)) {
      const v = parseYen(part);
      if (v === null) continue;
      if (typeof v === 'object') errors.supplementary_budgets = v.error;
      else values.push(String(v));
    }
    cost.supplementaryBudgets = values;
    mask.push('supplementary_budgets');
  }
  const fundingKeys = Object.keys(FUNDING) as Array<keyof typeof FUNDING>;
  if (fundingKeys.some((k) => !same(form[k], stored[k]))) {
    const funding: NonNullable<Cost['funding']> = {};
    for (const k of fundingKeys) funding[FUNDING[k]] = String(read(k) ?? 0);
    cost.funding = funding;
    mask.push('funding');
  }
  if (!same(form.staff_fte, stored.staff_fte)) {
    cost.staffFte = Number(read('staff_fte') ?? 0);
    mask.push('staff_fte');
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { cost, updateMask: mask };
}
