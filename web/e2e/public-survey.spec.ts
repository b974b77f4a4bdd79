// Citizens read the published 市民意識調査 without signing in: the importance × satisfaction chart
// per 施策 with the city's quadrant names (and as a table), and a question's distribution with its
// margin of error.
import { checkA11y, expect, shot, test } from './fixtures';

test('a citizen reads the published survey', async ({ watched: page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: /市民意識調査/ }).first().click();
  await expect(page.getByRole('heading', { name: '施策の重要度と満足度' })).toBeVisible();
  await expect(page.getByRole('img', { name: /施策の重要度と満足度の散布図/ })).toBeVisible();
  await shot(page, '30-public-survey-cs');
  await page.getByRole('button', { name: '表で表示' }).click();
  const rows = page.getByRole('table').getByRole('row');
  expect(await rows.count()).toBeGreaterThan(10); // 37 基本政策分野 in the demo
  await page.getByLabel('設問', { exact: true }).selectOption({ index: 1 });
  const stats = page.getByTestId('question-stats');
  await expect(stats).toContainText('誤差の目安 ±');
  await shot(page, '31-public-survey-question');
  // A two-way cross-tab as a heat map: small cells of the published view are withheld (＊).
  const twoWay = page.getByLabel('クロス集計の軸').locator('option', { hasText: '×' }).first();
  await page.getByLabel('クロス集計の軸').selectOption((await twoWay.getAttribute('value'))!);
  const tab = page.getByTestId('crosstab');
  await expect(tab.locator('tbody tr').first()).toBeVisible();
  expect(await tab.locator('td[data-suppressed=true]').count()).toBeGreaterThan(0);
  await shot(page, '32-public-survey-crosstab');
  await checkA11y(page, 'public survey');
});
