// A department's Excel habit in a real browser: download the input sheet (its own indicators) as
// xlsx, fill in the year's 実績 as Excel would save it, upload it, see what Sokei read cell by cell,
// save drafts. A renamed row is refused with a finding and nothing is saved. FY2021 (令和3年度),
// so the yearly cycle (FY2022) is not touched.
import ExcelJS from 'exceljs';
import { readFile } from 'node:fs/promises';
import { checkA11y, expect, shot, signIn, test } from './fixtures';

test('the department fills in its xlsx input sheet and uploads it back', async ({ watched: page }) => {
  await signIn(page, /子育て支援課/);
  await page.getByLabel('年度').selectOption('2021');
  await expect(page.getByRole('heading', { name: 'Excel の入力シートで入力する' })).toBeVisible();
  const card = page.locator('[data-testid=entry-card][data-code="06-101"]');
  await expect(card.locator('[data-state]')).toHaveText('未入力');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '入力シートをダウンロード（Excel）' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/-progress-2021-d-hc796d3cb13\.xlsx$/);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(await readFile(await download.path()));
  const sheet = book.worksheets[0]!;
  expect(sheet.getRow(1).getCell(6).text).toBe('令和3年度実績');
  const codes: string[] = [];
  let row0101 = 0;
  sheet.eachRow((row, n) => {
    const code = row.getCell(1).text;
    if (/^\d\d-\d{3}/.test(code)) codes.push(code);
    if (code === '06-101') row0101 = n;
  });
  // Only 子育て支援課's indicators: 06-102 (子ども家庭相談課) is not in its sheet.
  expect(codes).toContain('06-103');
  expect(codes).not.toContain('06-102');
  expect(row0101).toBeGreaterThan(1);

  // Filled in as a person types in Excel, saved, uploaded: shown before anything is written.
  sheet.getRow(row0101).getCell(6).value = '1箇所（速報値）';
  const filled = Buffer.from(await book.xlsx.writeBuffer());
  const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  await page.getByLabel('記入した入力シート').setInputFiles({ name: '入力シート_子育て支援課.xlsx', mimeType: xlsx, buffer: filled });
  await page.getByRole('button', { name: '内容を確認' }).click();
  const result = page.getByTestId('sheet-result');
  await expect(result).toContainText('読み取った実績 1 件');
  await expect(result.getByRole('row', { name: /06-101/ })).toContainText('数値 1 ・ 単位 箇所 ・ 速報値');
  await expect(card.locator('[data-state]')).toHaveText('未入力'); // nothing written yet
  await shot(page, '45-input-sheet-check');
  await checkA11y(page, 'input sheet');
  await page.getByRole('button', { name: 'この内容で保存（下書き）' }).click();
  await expect(result.getByRole('status')).toHaveText(/1 件を下書きとして保存しました/);
  await page.reload();
  await expect(card.locator('[data-state]')).toHaveText('入力中');
  await expect(card.getByLabel('令和3年度の実績')).toHaveValue('1箇所（速報値）');

  // A row whose name was changed in Excel: an error naming the row, no save button.
  sheet.getRow(row0101).getCell(3).value = '名前を変えた指標';
  sheet.getRow(row0101).getCell(6).value = '2箇所';
  await page.getByLabel('記入した入力シート').setInputFiles({ name: '入力シート.xlsx', mimeType: xlsx, buffer: Buffer.from(await book.xlsx.writeBuffer()) });
  await page.getByRole('button', { name: '内容を確認' }).click();
  const finding = page.locator('[data-testid=sheet-finding][data-code=SHEET_INDICATOR_UNKNOWN]');
  await expect(finding).toContainText(`${row0101}行目`);
  await expect(finding).toContainText('番号や指標名を書き換えずに');
  await expect(page.getByRole('button', { name: 'この内容で保存（下書き）' })).toHaveCount(0);
  await shot(page, '46-input-sheet-refused');
  await page.reload();
  await expect(card.getByLabel('令和3年度の実績')).toHaveValue('1箇所（速報値）');
});
