import { describe, expect, it } from 'vitest';
import { dispositionFilename, toBase64 } from './files';

describe('base64 files', () => {
  it('round-trips bytes, Japanese text and CP932-like high bytes, past one chunk', () => {
    const text = '事業番号\t主な事業\n06-101\t子育て世代包括支援センター事業\n'.repeat(2000);
    const bytes = new TextEncoder().encode(text);
    const withHigh = new Uint8Array([...bytes, 0x82, 0xa0, 0xff, 0x00]);
    const b64 = toBase64(withHigh.buffer);
    const back = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    expect(back).toEqual(withHigh);
  });
});

describe('dispositionFilename', () => {
  it('prefers the UTF-8 name, falls back to the plain one, then to the default', () => {
    expect(dispositionFilename(`attachment; filename="_____.csv"; filename*=UTF-8''%E9%80%B2%E6%8D%97%E8%A1%A8.csv`, 'x')).toBe('進捗表.csv');
    expect(dispositionFilename('attachment; filename="report.html"', 'x')).toBe('report.html');
    expect(dispositionFilename(null, 'progress.xlsx')).toBe('progress.xlsx');
    expect(dispositionFilename(`attachment; filename*=UTF-8''%E9%80%B2%ZZ`, 'fallback')).toBe('fallback');
  });
});
