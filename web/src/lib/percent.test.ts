import { describe, expect, it } from 'vitest';
import { percentText } from './percent';

describe('percentText', () => {
  it('prints what was graded, as the server does', () => {
    expect(percentText(0.9996)).toBe('99.9%');
    expect(percentText(0.79951)).toBe('79.9%');
    expect(percentText(1)).toBe('100.0%');
    expect(percentText(0.9859375)).toBe('98.6%');
    expect(percentText(0.7)).toBe('70.0%');
    expect(percentText(112 / 176)).toBe('63.6%');
  });
});
