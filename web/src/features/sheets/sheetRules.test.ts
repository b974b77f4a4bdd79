import { describe, expect, it } from 'vitest';
import { canAccept, canReturn, canSubmit, canWrite, changedKeys, charCount, conflicts } from './sheetRules';

const dept = { planner: false, owner: true };
const planner = { planner: true, owner: false };
const stranger = { planner: false, owner: false };

describe('who writes which section when', () => {
  it('lets the department write its part while the sheet is open, before the committee', () => {
    expect(canWrite(dept, 'SHEET_SECTION_DEPARTMENT', 'SHEET_STATE_DRAFT', 'EVALUATION_STAGE_SELF')).toBe(true);
    expect(canWrite(dept, 'SHEET_SECTION_DEPARTMENT', 'SHEET_STATE_RETURNED', 'EVALUATION_STAGE_PLANNING_REVIEW')).toBe(true);
    expect(canWrite(dept, 'SHEET_SECTION_DEPARTMENT', 'SHEET_STATE_SUBMITTED', 'EVALUATION_STAGE_SELF')).toBe(false);
    expect(canWrite(dept, 'SHEET_SECTION_DEPARTMENT', 'SHEET_STATE_DRAFT', 'EVALUATION_STAGE_COMMITTEE')).toBe(false);
    expect(canWrite(stranger, 'SHEET_SECTION_DEPARTMENT', 'SHEET_STATE_DRAFT', 'EVALUATION_STAGE_SELF')).toBe(false);
  });
  it('keeps the 二次評価 and the committee for planners, at their moment', () => {
    expect(canWrite(dept, 'SHEET_SECTION_PLANNING', 'SHEET_STATE_SUBMITTED', 'EVALUATION_STAGE_SELF')).toBe(false);
    expect(canWrite(planner, 'SHEET_SECTION_PLANNING', 'SHEET_STATE_DRAFT', 'EVALUATION_STAGE_SELF')).toBe(false);
    expect(canWrite(planner, 'SHEET_SECTION_PLANNING', 'SHEET_STATE_ACCEPTED', 'EVALUATION_STAGE_COMMITTEE')).toBe(true);
    expect(canWrite(planner, 'SHEET_SECTION_COMMITTEE', 'SHEET_STATE_ACCEPTED', 'EVALUATION_STAGE_PLANNING_REVIEW')).toBe(false);
    expect(canWrite(planner, 'SHEET_SECTION_COMMITTEE', 'SHEET_STATE_ACCEPTED', 'EVALUATION_STAGE_COMMITTEE')).toBe(true);
    expect(canWrite(planner, 'SHEET_SECTION_COMMITTEE', 'SHEET_STATE_ACCEPTED', 'EVALUATION_STAGE_PUBLISHED')).toBe(false);
  });
  it('offers submit, return and accept only when they would be taken', () => {
    expect(canSubmit(dept, undefined, 'EVALUATION_STAGE_SELF')).toBe(true);
    expect(canSubmit(dept, 'SHEET_STATE_SUBMITTED', 'EVALUATION_STAGE_SELF')).toBe(false);
    expect(canReturn(planner, 'SHEET_STATE_ACCEPTED', 'EVALUATION_STAGE_SELF')).toBe(true);
    expect(canReturn(dept, 'SHEET_STATE_SUBMITTED', 'EVALUATION_STAGE_SELF')).toBe(false);
    expect(canAccept(planner, 'SHEET_STATE_ACCEPTED', 'EVALUATION_STAGE_SELF')).toBe(false);
    expect(canAccept(planner, 'SHEET_STATE_SUBMITTED', 'EVALUATION_STAGE_PUBLISHED')).toBe(false);
  });
});

describe('texts', () => {
  it('counts characters as the service does', () => {
    expect(charCount('成果と課題')).toBe(5);
    expect(charCount('𠮷野家')).toBe(3); // a surrogate pair is one character
  });
  it('finds what changed and what conflicts', () => {
    expect(changedKeys({ a: '1', b: '2' }, { a: '1', b: '3', c: '' })).toEqual(['b']);
    const base = { means: '窓口', direction: '継続' };
    const mine = { means: '窓口と訪問', direction: '継続' };
    // The other person changed the direction (not a conflict) and the means (a conflict).
    expect(conflicts(base, mine, { means: '窓口（夜間）', direction: '改善' })).toEqual(['means']);
    // They wrote what this person wrote: nothing to choose.
    expect(conflicts(base, mine, { means: '窓口と訪問', direction: '改善' })).toEqual([]);
  });
});
