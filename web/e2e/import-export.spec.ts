// The 企画課 brings the city's progress table (seed 001, as Isehara keeps it) through the import
// wizard — a dry run that writes nothing, then a corrected file — and takes the table back out as
// real files (xlsx, CSV in Shift_JIS).
import { readFileSync } from 'node:fs';
import { expect, shot, signIn, signOut, test, checkA11y } from './fixtures';

const seed = process.env.SOKEI_SEED_001 ?? '';

test.describe.configure({ mode: 'serial' });

test('the import wizard: dry run of the table as kept, then a corrected value imported', async ({ watched: page }) => {
  test.skip(!seed, 'SOKEI_SEED_001 names seed 001 (tests/e2e/console_e2e_test.sh sets it)');
  await signIn(page, /企画課（/);
  await page.getByRole('link', { name: '進捗表の取り込み' }).click();
  await expect(page.getByRole('heading', { name: '進捗表の取り込み' })).toBeVisible();
  await page.getByLabel('進捗表のファイル').setInputFiles(seed);
  await page.getByRole('button', { name: '確認する（書き込みません）' }).click();
  const result = page.getByTestId('import-result');
  await expect(result.getByRole('heading', { level: 2 })).toHaveText('確認の結果（まだ書き込んでいません）');
  await expect(result.getByTestId('indicator-counts')).toHaveText('0 / 0 / 111');
  await expect(result.getByTestId('observation-counts')).toHaveText('0 / 0 / 111');
  await expect(result.locator('tr[data-severity=warning]').first()).toBeVisible();
  // The header row as Sokei read it: column, header, role, year.
  const columns = result.getByTestId('import-columns');
  await expect(columns.locator('tr[data-role=code]')).toContainText('事業番号');
  await expect(columns.locator('tr[data-role=actual]')).toContainText('令和2年度実績');
  await expect(columns.locator('tr[data-role=actual]')).toContainText('令和2年度');
  await expect(columns.locator('tr[data-role=department]')).toContainText('所管課');
  await shot(page, '20-import-dry-run');
  await checkA11y(page, 'import wizard');

  // The same table with 06-102's actual corrected (112人 → 120人).
  const corrected = readFileSync(seed, 'utf8').replace('176人\t112人', '176人\t120人');
  expect(corrected).not.toEqual(readFileSync(seed, 'utf8'));
  await page.getByLabel('進捗表のファイル').setInputFiles({
    name: 'progress-corrected.tsv',
    mimeType: 'text/tab-separated-values',
    buffer: Buffer.from(corrected, 'utf8'),
  });
  await page.getByRole('button', { name: '確認する（書き込みません）' }).click();
  await expect(result.getByTestId('observation-counts')).toHaveText('0 / 1 / 110');
  await page.getByRole('button', { name: '取り込む' }).click();
  await expect(result.getByRole('heading', { level: 2 })).toHaveText('取り込みました');

  // The corrected value is what the 企画課 now sees for FY2020.
  await page.getByRole('link', { name: '提出の確認' }).click();
  await page.getByLabel('年度', { exact: true }).selectOption('2020');
  await page.getByLabel(/^すべて \d+$/).check();
  await expect(page.locator('[data-testid=review-row][data-code="06-102"]')).toContainText('120人');
  await signOut(page);
});

test('the progress table downloads as real files', async ({ watched: page }) => {
  await signIn(page, /閲覧者/);
  await page.getByRole('link', { name: /第5次伊勢原市総合計画/ }).click();
  await page.getByLabel('年度', { exact: true }).selectOption('2020');
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Excel（xlsx）' }).click()]);
  expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
  const xlsxBytes = readFileSync(await xlsx.path());
  expect(xlsxBytes.subarray(0, 2).toString('latin1')).toBe('PK'); // a zip: the xlsx container
  const [sjis] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CSV（Shift_JIS）' }).click()]);
  const text = new TextDecoder('shift_jis').decode(readFileSync(await sjis.path()));
  expect(text).toContain('事業番号');
  expect(text).toContain('子育て世代包括支援センター設置箇所数');
  await shot(page, '21-dashboard-downloads');

  // From an indicator needing attention to its history: chart, then the values as written.
  await page.getByRole('link', { name: '子ども・若者に関する相談件数' }).click();
  await expect(page.getByRole('heading', { name: /08-102 子ども・若者に関する相談件数/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /子ども・若者に関する相談件数の推移/ })).toBeVisible();
  await shot(page, '22-indicator-history');
  await page.getByRole('button', { name: '表で表示' }).click();
  await expect(page.getByRole('row', { name: /令和2年度/ })).toContainText('170件');
  await checkA11y(page, 'indicator history');
});
