import { describe, expect, it } from 'vitest';
import { costPatch, formOf, parseFte, parseYen } from './costInput';

describe('amounts as typed', () => {
  it('reads separators, full-width digits, 千円 and negatives as yen', () => {
    expect(parseYen('1,234,000')).toBe(1234000);
    expect(parseYen('１，２３４')).toBe(1234);
    expect(parseYen('3,000千円')).toBe(3000000);
    expect(parseYen('2.5千円')).toBe(2500);
    expect(parseYen('500円')).toBe(500);
    expect(parseYen('△500')).toBe(-500);
    expect(parseYen('▲1千円')).toBe(-1000);
    expect(parseYen('')).toBeNull();
    expect(parseYen('  ')).toBeNull();
  });
  it('refuses what is not a whole number of yen', () => {
    expect(parseYen('12.5')).toHaveProperty('error');
    expect(parseYen('約100万')).toHaveProperty('error');
    expect(parseYen('1e9')).toHaveProperty('error');
    expect(parseYen('99999999999999999999')).toHaveProperty('error');
  });
  it('reads 人工 to two decimals', () => {
    expect(parseFte('0.5')).toBe(0.5);
    expect(parseFte('１．２５')).toBe(1.25);
    expect(parseFte('')).toBeNull();
    expect(parseFte('0.125')).toHaveProperty('error');
    expect(parseFte('-1')).toHaveProperty('error');
  });
});

describe('the update sent for a form', () => {
  const stored = formOf({
    initialBudget: '1000000',
    supplementaryBudgets: ['200000'],
    currentBudget: '1200000',
    hasSettlement: true,
    settlement: '1100000',
    funding: { national: '500000', general: '600000' },
    staffFte: 0.5,
  });
  it('shows a stored cost field by field, and nothing for a missing one', () => {
    expect(stored.initial_budget).toBe('1000000');
    expect(stored.supplementary_budgets).toBe('200000');
    expect(stored.settlement).toBe('1100000');
    expect(stored['funding.prefectural']).toBe('0');
    expect(formOf(undefined).settlement).toBe('');
    expect(formOf({ initialBudget: '5' }).settlement).toBe('');  // not closed yet
  });
  it('sends only what changed; the 財源内訳 as one field', () => {
    const p = costPatch(stored, { ...stored, settlement: '1,050千円', 'funding.general': '550,000', staff_fte: '0.75' });
    expect(p).toEqual({
      cost: { settlement: '1050000', funding: { national: '500000', prefectural: '0', bonds: '0', otherSpecific: '0', general: '550000' }, staffFte: 0.75 },
      updateMask: ['settlement', 'funding', 'staff_fte'],
    });
    expect(costPatch(stored, { ...stored })).toEqual({ cost: {}, updateMask: [] });
  });
  it('reads several 補正予算 and a whole new cost', () => {
    expect(costPatch(stored, { ...stored, supplementary_budgets: '200,000 / △50,000' })).toEqual({
      cost: { supplementaryBudgets: ['200000', '-50000'] },
      updateMask: ['supplementary_budgets'],
    });
    const blank = formOf(undefined);
    const p = costPatch(blank, { ...blank, initial_budget: '3,000,000', staff_fte: '0.5' });
    expect(p).toEqual({ cost: { initialBudget: '3000000', staffFte: 0.5 }, updateMask: ['initial_budget', 'staff_fte'] });
  });
  it('names each field it cannot read, and sends nothing', () => {
    const p = costPatch(stored, { ...stored, initial_budget: '百万円', staff_fte: 'half', settlement: '' });
    expect(p).toEqual({
      errors: {
        initial_budget: expect.stringContaining('数字'),
        staff_fte: expect.stringContaining('小数'),
        settlement: expect.stringContaining('消せません'),
      },
    });
  });
});
