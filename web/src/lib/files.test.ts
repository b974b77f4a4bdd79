import { describe, expect, it } from 'vitest';
import { base64ToBytes, toBase64 } from './files';

describe('base64 files', () => {
  it('round-trips bytes, Japanese text and CP932-like high bytes, past one chunk', () => {
    const text = '事業番号\t主な事業\n06-101\t子育て世代包括支援センター事業\n'.repeat(2000);
    const bytes = new TextEncoder().encode(text);
    const withHigh = new Uint8Array([...bytes, 0x82, 0xa0, 0xff, 0x00]);
    const b64 = toBase64(withHigh.buffer);
    const back = base64ToBytes(b64);
    expect(back).toEqual(withHigh);
  });
});
