import { describe, expect, it } from 'vitest';
import { dispositionFilename, rawFile, uploadType } from './files';

describe('raw uploads', () => {
  it('sends each file with the type the API takes, by its name', () => {
    expect(uploadType({ name: '進捗管理表.XLSX', type: '' })).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(uploadType({ name: 'table.csv', type: 'application/vnd.ms-excel' })).toBe('text/csv');
    expect(uploadType({ name: 'table.tsv', type: '' })).toBe('text/tab-separated-values');
    expect(uploadType({ name: 'table.txt', type: 'text/plain' })).toBe('text/tab-separated-values');
    expect(uploadType({ name: 'data', type: '' })).toBe('application/octet-stream');
  });

  it('serializes to the file itself with its type', () => {
    const file = new File(['事業番号\t実績\n'], 'sheet.tsv');
    const o = rawFile(file);
    expect(o.bodySerializer()).toBe(file);
    expect(o.headers['Content-Type']).toBe('text/tab-separated-values');
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
