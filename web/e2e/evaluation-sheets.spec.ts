// 評価シート in a real browser against the real gateway and services, on the demo data (Isehara's
// 5th plan, FY2021 — the yearly cycle uses FY2022): the 企画課 creates the year's evaluation; the
// 子育て支援課 writes its 事務事業評価シート and submits it; the 企画課 returns it with a comment;
// someone else saves the same sheet while the department is typing, and the department sees both
// versions and keeps its own; it resubmits; the 企画課 accepts it, adds its 二次評価 and downloads the
// printable page; the 企画課 enters the 事業's money for the year by hand; a 施策評価シート of the
// next plan shows what the published 市民意識調査 said of the 施策.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { allowErrorStatus, checkA11y, expect, shot, signIn, signOut, test } from './fixtures';

const KOSODATE = /子育て支援課/;
const PLANNER = /企画課（/;
const CODE = '06-103';

test.describe.configure({ mode: 'serial' });

async function openSheet(page: Page) {
  await page.goto('/app/sheets?year=2021');
  await expect(page.getByRole('heading', { name: '評価シート', exact: true })).toBeVisible();
  await page.getByLabel(/^すべて \d+$/).check();
  const row = page.locator(`[data-testid=sheet-row][data-code="${CODE}"]`);
  await row.getByRole('button').click();
  const editor = page.getByTestId('sheet-editor');
  await expect(editor.getByRole('heading', { level: 2 })).toContainText(CODE);
  return editor;
}

test('the 企画課 creates FY2021 evaluation: every 事業 and 施策 has a sheet to write', async ({ watched: page }) => {
  await signIn(page, PLANNER);
  await page.goto('/app/sheets?year=2021');
  await expect(page.getByTestId('no-evaluation')).toBeVisible();
  await page.goto('/app/evaluations?year=2021');
  await page.getByRole('button', { name: '令和3年度の評価を作成' }).click();
  await expect(page.getByTestId('stage')).toHaveText('所管課による自己評価');
  await page.getByRole('link', { name: '評価シート' }).click();
  await expect(page.getByRole('heading', { name: '評価シート', exact: true })).toBeVisible();
  await page.goto('/app/sheets?year=2021');
  await expect(page.getByTestId('sheet-stage')).toHaveText('所管課による自己評価');
  await page.getByLabel(/^作成中 \d+$/).check();
  await expect(page.locator('[data-testid=sheet-row]').first()).toBeVisible();
  await signOut(page);
});

test('the department writes its 事務事業評価シート and submits it', async ({ watched: page }) => {
  await signIn(page, KOSODATE);
  await page.getByRole('link', { name: '評価シート' }).click();
  await page.goto('/app/sheets?year=2021');
  // Its own sheets first: 06-101 … 06-105.
  await expect(page.getByLabel(/^自分の課 \d+$/)).toBeChecked();
  await expect(page.locator(`[data-testid=sheet-row][data-code="${CODE}"]`)).toBeVisible();
  const editor = await openSheet(page);
  await expect(editor.getByTestId('sheet-state')).toHaveText('作成中');
  // The 企画課's part is not the department's to write.
  await expect(editor.locator('#sheet-field-planning_comment')).toHaveCount(0);
  const text: Record<string, string> = {
    purpose_target: '未就学児とその保護者',
    purpose_intent: '身近な場所で親子が交流し、子育ての不安を和らげる',
    means: 'つどいの広場の運営（市内4箇所）',
    necessity_reason: '核家族化で相談相手のいない保護者が多い',
    effectiveness_reason: '利用者アンケートで満足度が高い',
    efficiency_reason: 'NPOへの委託で運営',
    fairness_reason: '市内全域から利用できる',
    results_and_issues: '利用者数は目標を上回った。\n地域による利用の偏りが課題。',
    direction_reason: '利用の少ない地区で出張広場を試行する',
  };
  for (const [key, value] of Object.entries(text)) await editor.locator(`#sheet-field-${key}`).fill(value);
  for (const key of ['necessity', 'effectiveness', 'efficiency', 'fairness']) await editor.locator(`#sheet-field-${key}`).selectOption('A');
  await editor.locator('#sheet-field-direction').selectOption('改善');
  await expect(editor.locator('#sheet-field-means-count')).toHaveText('16 / 1000字');
  await editor.getByRole('button', { name: '保存', exact: true }).click();
  await expect(editor.getByRole('status')).toHaveText('保存しました。');
  await shot(page, '20-sheet-department');
  await checkA11y(page, 'evaluation sheet (department)');
  await editor.getByRole('button', { name: '企画課に提出' }).click();
  await expect(editor.getByTestId('sheet-state')).toHaveText('提出済');
  // Submitted: the department's part is text now.
  await expect(editor.locator('#sheet-field-means')).toHaveCount(0);
  await expect(editor.locator('[data-field=results_and_issues]')).toContainText('地域による利用の偏りが課題。');
  await signOut(page);
});

test('the 企画課 returns it with a comment', async ({ watched: page }) => {
  await signIn(page, PLANNER);
  await page.goto('/app/sheets?year=2021');
  await expect(page.getByLabel(/^提出済 \d+$/)).toBeChecked();
  await expect(page.locator(`[data-testid=sheet-row][data-code="${CODE}"]`)).toBeVisible();
  const editor = await openSheet(page);
  await editor.getByRole('button', { name: '差戻し…' }).click();
  await editor.getByLabel('差戻しの理由（所管課に表示されます）').fill('出張広場の費用の見込みを書いてください');
  await editor.getByRole('button', { name: '差し戻す' }).click();
  await expect(editor.getByTestId('sheet-state')).toHaveText('差戻し');
  await signOut(page);
});

test('a conflicting save shows both versions; the department keeps its own and resubmits', async ({ watched: page }) => {
  await signIn(page, KOSODATE);
  const editor = await openSheet(page);
  await expect(editor.getByTestId('return-comment')).toHaveText(/出張広場の費用の見込みを書いてください/);
  await editor.locator('#sheet-field-direction_reason').fill('利用の少ない地区で出張広場を試行する（年30万円の見込み）');
  // Meanwhile the 企画課 saves the same field through the API, with the version it read.
  const config = await (await page.request.get('/console/config.json')).json();
  const planner = (config.roles as Array<{ label: string; token: string }>).find((r) => PLANNER.test(r.label));
  expect(planner).toBeTruthy();
  const sheet = new URL(page.url()).searchParams.get('sheet');
  const url = `/v1/municipalities/142140/plans/5th-implementation/evaluations/2021/sheets/${sheet}`;
  const headers = { Authorization: `Bearer ${planner!.token}`, 'Content-Type': 'application/json' };
  const current = await (await page.request.get(url, { headers })).json();
  const other = await page.request.patch(url, { headers, data: { etag: current.etag, values: { direction_reason: '企画課が補記' } } });
  expect(other.status()).toBe(200);
  allowErrorStatus(page, /\/evaluations\/2021\/sheets\/[^/:?]+$/); // the department's save meets the newer version: 409
  await editor.getByRole('button', { name: '保存', exact: true }).click();
  const conflict = editor.getByTestId('conflict');
  await expect(conflict).toBeVisible();
  await expect(conflict.getByRole('row', { name: /方向性の理由/ })).toContainText('年30万円の見込み');
  await expect(conflict.getByRole('row', { name: /方向性の理由/ })).toContainText('企画課が補記');
  await shot(page, '21-sheet-conflict');
  await checkA11y(page, 'evaluation sheet (conflict)');
  await conflict.getByRole('button', { name: '自分の入力で保存し直す' }).click();
  await expect(editor.getByRole('status')).toHaveText('保存しました。');
  await expect(editor.locator('#sheet-field-direction_reason')).toHaveValue('利用の少ない地区で出張広場を試行する（年30万円の見込み）');
  await editor.getByRole('button', { name: '企画課に提出' }).click();
  await expect(editor.getByTestId('sheet-state')).toHaveText('提出済');
  await signOut(page);
});

test('the 企画課 accepts it, adds its 二次評価 and prints the sheet', async ({ watched: page }) => {
  await signIn(page, PLANNER);
  const editor = await openSheet(page);
  await editor.getByRole('button', { name: '確認済にする' }).click();
  await expect(editor.getByTestId('sheet-state')).toHaveText('確認済');
  await editor.locator('#sheet-field-planning_direction').selectOption('改善');
  await editor.locator('#sheet-field-planning_comment').fill('出張広場の効果を利用者数で検証すること。');
  await editor.getByRole('button', { name: '保存', exact: true }).click();
  await expect(editor.getByRole('status')).toHaveText('保存しました。');
  await expect(editor.getByTestId('sheet-history')).toContainText('差戻し');
  await shot(page, '22-sheet-planning-review');
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(editor.getByTestId('sheet-history')).toBeVisible();
  await shot(page, '24-phone-sheet');
  await page.setViewportSize({ width: 1280, height: 800 });
  await checkA11y(page, 'evaluation sheet (二次評価)');
  const download = page.waitForEvent('download');
  await editor.getByRole('button', { name: '印刷用ページ（HTML）' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/-2021-sheet-.+\.html$/);
  // The printable page, opened as the browser would print it.
  const html = readFileSync(await file.path(), 'utf-8');
  const printable = await page.context().newPage();
  await printable.setContent(html);
  await expect(printable.getByRole('heading', { level: 1 })).toHaveText('令和3年度 事務事業評価シート');
  await expect(printable.locator('body')).toContainText('出張広場の効果を利用者数で検証すること。');
  await expect(printable.locator('body')).toContainText('子育て支援課');
  await printable.emulateMedia({ media: 'print' });
  await printable.screenshot({ path: 'e2e/artifacts/screenshots/23-sheet-printable.png', fullPage: true });
  await printable.close();
  // The same sheet as a spreadsheet the 課 can open in Excel.
  const sheetXlsx = page.waitForEvent('download');
  await editor.getByRole('button', { name: 'Excel（xlsx）' }).click();
  const xlsx = await sheetXlsx;
  expect(xlsx.suggestedFilename()).toMatch(/-2021-sheet-.+\.xlsx$/);
  expect(readFileSync(await xlsx.path()).subarray(0, 2).toString()).toBe('PK');
  // The year's 評価結果報告書 as PDF, printed by the server's headless Chromium.
  await page.goto('/app/evaluations?year=2021');
  const book = page.waitForEvent('download');
  await page.getByRole('button', { name: '評価結果報告書（PDF）' }).click();
  const pdf = await book;
  expect(pdf.suggestedFilename()).toMatch(/-evaluation-book-2021\.pdf$/);
  expect(readFileSync(await pdf.path()).subarray(0, 4).toString()).toBe('%PDF');
  await page.goto('/app/sheets?year=2021');
  // The list shows the directions of both.
  await page.getByLabel(/^すべて \d+$/).check();
  await expect(page.locator(`[data-testid=sheet-row][data-code="${CODE}"]`)).toContainText('改善 → 改善');
  await signOut(page);
});

test('the 企画課 enters the money of the 事業 for FY2021 by hand, and the sheet shows it beside FY2020', async ({ watched: page }) => {
  await signIn(page, PLANNER);
  const editor = await openSheet(page);
  const costs = editor.getByTestId('sheet-costs');
  // FY2021 has no imported table yet: only the year before's money, and the form to enter this year's.
  await expect(costs).toContainText('この年度の金額はまだありません。');
  await costs.getByRole('button', { name: '金額を入力・訂正' }).click();
  const form = costs.getByTestId('cost-form');
  await form.getByLabel('当初予算').fill('3,000千円');
  await form.getByLabel('決算額（空欄: 決算前）').fill('約280万');
  await form.getByRole('button', { name: '金額を保存' }).click();
  // A value it cannot read is named beside its field, and nothing is sent.
  await expect(form.locator('#cost-settlement-error')).toContainText('数字');
  await form.getByLabel('決算額（空欄: 決算前）').fill('２，８５０，０００');
  await form.getByLabel('人工（人・年）').fill('0.5');
  await checkA11y(page, 'cost form');
  await shot(page, '25-sheet-cost-form');
  await page.setViewportSize({ width: 390, height: 844 });
  await form.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/artifacts/screenshots/28-phone-cost-form.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await form.getByRole('button', { name: '金額を保存' }).click();
  await expect(form).toBeHidden();
  // The year's money beside the year before's; no 人件費単価 for FY2021 yet, so the total is the 決算額.
  const settled = costs.getByRole('row', { name: /^決算額/ });
  await expect(settled).toContainText('2,850,000円');
  await expect(costs.getByRole('row', { name: /^トータルコスト/ })).toContainText('2,850,000円');
  await expect(costs.getByRole('columnheader', { name: '令和2年度' })).toBeVisible();
  // A correction of what was just entered.
  await costs.getByRole('button', { name: '金額を入力・訂正' }).click();
  await expect(form.getByLabel('決算額（空欄: 決算前）')).toHaveValue('2850000');
  await form.getByLabel('決算額（空欄: 決算前）').fill('2,800,000');
  await form.getByRole('button', { name: '金額を保存' }).click();
  await expect(costs.getByRole('row', { name: /^決算額/ })).toContainText('2,800,000円');
  await signOut(page);
});

test('a 施策評価シート of the next plan shows what the published 市民意識調査 said of the 施策', async ({ watched: page }) => {
  // The stack published the 2024 wave, whose 満足度 and 重要度 questions are linked to the next
  // plan's 基本政策分野; the 企画課 opens FY2024's evaluation of that plan.
  const config = await (await page.request.get('/console/config.json')).json();
  const planner = (config.roles as Array<{ label: string; token: string }>).find((r) => PLANNER.test(r.label));
  const headers = { Authorization: `Bearer ${planner!.token}`, 'Content-Type': 'application/json' };
  const created = await page.request.post('/v1/municipalities/142140/plans/next-basic-plan/evaluations', { headers, data: { fiscalYear: 2024 } });
  expect(created.status(), await created.text()).toBe(200);
  await signIn(page, PLANNER);
  await page.goto('/app/sheets?plan=next-basic-plan&year=2024');
  await page.getByLabel(/^すべて \d+$/).check();
  await page.locator('[data-testid=sheet-row][data-code="05"]').getByRole('button').click();
  const editor = page.getByTestId('sheet-editor');
  await expect(editor.getByRole('heading', { level: 2 })).toContainText('05');
  const perceptions = editor.getByTestId('sheet-perceptions');
  await expect(perceptions.getByTestId('perception-row')).toHaveCount(2);
  const satisfaction = perceptions.locator('[data-role=PERCEPTION_ROLE_SATISFACTION]');
  await expect(satisfaction).toContainText('令和6年度');
  await expect(satisfaction).toContainText(/n=\d{1,3}(,\d{3})*/);
  await expect(satisfaction).toContainText(/\d+\.\d%（±\d+\.\dポイント）/);
  await shot(page, '26-sheet-survey-perceptions');
  await page.setViewportSize({ width: 390, height: 844 });
  await editor.getByTestId('sheet-perceptions').scrollIntoViewIfNeeded();
  await shot(page, '27-phone-sheet-perceptions');
  await page.setViewportSize({ width: 1280, height: 800 });
  await checkA11y(page, 'sheet with survey perceptions');
  await signOut(page);
});
