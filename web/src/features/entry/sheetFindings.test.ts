import { describe, expect, it } from 'vitest';
import { canSave, sheetFindingText } from './sheetFindings';

describe('input sheet findings', () => {
  it('says in Japanese what a known finding means, else what the server said', () => {
    expect(sheetFindingText({ code: 'SHEET_NOT_YOUR_INDICATOR', understood: 'belongs to another department' })).toMatch(/他の課の指標/);
    expect(sheetFindingText({ code: 'SOMETHING_NEW', understood: 'as the server says' })).toBe('as the server says');
  });

  it('saves only values without errors', () => {
    expect(canSave([], 2)).toBe(true);
    expect(canSave([{ severity: 'FINDING_SEVERITY_WARNING', code: 'PARTIAL_VALUE' }], 1)).toBe(true);
    expect(canSave([{ severity: 'FINDING_SEVERITY_ERROR', code: 'SHEET_VALUE_LOCKED' }], 1)).toBe(false);
    expect(canSave([], 0)).toBe(false);
  });
});
