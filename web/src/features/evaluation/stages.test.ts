import { describe, expect, it } from 'vitest';
import { fileBlob, nextStage, stageLabel } from './stages';

describe('stages', () => {
  it('go in order and stop at 公表', () => {
    expect(nextStage('EVALUATION_STAGE_SELF')).toBe('EVALUATION_STAGE_PLANNING_REVIEW');
    expect(nextStage('EVALUATION_STAGE_COMMITTEE')).toBe('EVALUATION_STAGE_PUBLISHED');
    expect(nextStage('EVALUATION_STAGE_PUBLISHED')).toBeNull();
    expect(stageLabel('EVALUATION_STAGE_PLANNING_REVIEW')).toBe('企画課による評価');
  });
  it('decodes a file for download byte for byte', async () => {
    const utf8 = new TextEncoder().encode('<h1>評価</h1>');
    const b64 = btoa(String.fromCharCode(...utf8));
    const blob = fileBlob(b64, 'text/html');
    expect(blob.size).toBe(utf8.length);
    expect(blob.type).toBe('text/html');
  });
});
