import { describe, expect, it } from 'vitest';
import { describeMeasurement } from './ValuePreview';

describe('describeMeasurement', () => {
  it('says value, unit and status in Japanese', () => {
    expect(describeMeasurement({ value: '1234.5', unit: '人', status: 'VALUE_STATUS_PRELIMINARY' })).toBe(
      '数値 1,234.5 ・ 単位 人 ・ 速報値',
    );
  });
  it('warns of a part-year value and what was not understood', () => {
    expect(
      describeMeasurement({ value: '3', unit: '件', partialPeriod: true, understood: 'UNDERSTANDING_PARTIAL', note: '※暫定' }),
    ).toBe('数値 3 ・ 単位 件 ・ 年度途中の値（評価には使われません） ・ 読み取れなかった部分: ※暫定');
  });
  it('names qualitative values', () => {
    expect(describeMeasurement({ qualitative: '策定', understood: 'UNDERSTANDING_QUALITATIVE' })).toBe('記述「策定」');
  });
});
