// The yearly cycle in a real browser against the real gateway and services, on the demo data
// (Isehara's 5th plan with seed 001 imported; FY2022 has no values yet): a department enters,
// saves and submits; the 企画課 returns it; the department corrects and resubmits; the 企画課
// approves; the evaluation is created, advanced and published; citizens read it without signing in.
import { checkA11y, expect, shot, signIn, signOut, test } from './fixtures';

const KOSODATE = /子育て支援課/;
const PLANNER = /企画課（/;

test.describe.configure({ mode: 'serial' });

test('public home before anything is published', async ({ watched: page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: '総合計画の評価結果' })).toBeVisible();
  await expect(page.getByRole('link', { name: '職員サインイン' })).toBeVisible();
  await expect(page.getByTestId('nothing-published')).toHaveText(/公表されている評価結果はまだありません/);
  await shot(page, '01-public-home');
  await checkA11y(page, 'public home');
});

test('a department enters, saves a draft and submits', async ({ watched: page }) => {
  await signIn(page, KOSODATE);
  await expect(page.getByRole('heading', { name: '実績の入力' })).toBeVisible();
  await expect(page.getByTestId('who')).toHaveText(/子育て支援課/);
  const card = page.locator('[data-testid=entry-card][data-code="06-103"]');
  await expect(card).toBeVisible();
  await expect(card.locator('[data-state]')).toHaveText('未入力');
  // Last year's value comes from FY2021's summary (none in the demo): shown as —.
  const input = card.getByLabel('令和4年度の実績');
  await input.fill('４箇所（速報値）');
  await expect(card.getByTestId('preview')).toHaveText('読み取り結果: 数値 4 ・ 単位 箇所 ・ 速報値');
  await card.getByRole('button', { name: '下書き保存' }).click();
  await expect(card.getByRole('status')).toHaveText('下書きを保存しました。');
  await expect(card.locator('[data-state]')).toHaveText('入力中');
  await shot(page, '02-entry-draft');
  await checkA11y(page, 'entry');
  await card.getByRole('button', { name: '提出' }).click();
  await expect(card.locator('[data-state]')).toHaveText('提出済');
  await expect(card).toContainText('企画課の確認待ちです');
  await signOut(page);
});

test('the 企画課 returns it with a comment', async ({ watched: page }) => {
  await signIn(page, PLANNER);
  await expect(page.getByRole('heading', { name: '提出の確認' })).toBeVisible();
  const row = page.locator('[data-testid=review-row][data-code="06-103"]');
  await expect(row).toContainText('４箇所（速報値）');
  await shot(page, '03-review-queue');
  await checkA11y(page, 'review queue');
  await row.getByRole('button', { name: '差戻し…' }).click();
  await row.getByLabel('差戻しの理由（所管課に表示されます）').fill('確定値で入力してください');
  await row.getByRole('button', { name: '差し戻す' }).click();
  await expect(row).toHaveCount(0); // the submitted filter no longer lists it
  await page.getByLabel(/^差戻し \d+$/).check();
  await expect(page.locator('[data-testid=review-row][data-code="06-103"] [data-state]')).toHaveText('差戻し');
  await signOut(page);
});

test('the department sees the comment, corrects and resubmits', async ({ watched: page }) => {
  await signIn(page, KOSODATE);
  const card = page.locator('[data-testid=entry-card][data-code="06-103"]');
  await expect(card.getByTestId('return-comment')).toHaveText('企画課からの差戻し: 確定値で入力してください');
  await shot(page, '04-entry-returned');
  await card.getByLabel('令和4年度の実績').fill('4箇所');
  await expect(card.getByTestId('preview')).toHaveText('読み取り結果: 数値 4 ・ 単位 箇所');
  await card.getByRole('button', { name: '修正して再提出' }).click();
  await expect(card.locator('[data-state]')).toHaveText('提出済');
  await signOut(page);
});

test('the 企画課 approves, then creates, advances and publishes the evaluation', async ({ watched: page }) => {
  await signIn(page, PLANNER);
  const row = page.locator('[data-testid=review-row][data-code="06-103"]');
  await expect(row).toContainText('4箇所');
  await row.getByRole('button', { name: '承認' }).click();
  await expect(row).toHaveCount(0);
  await page.getByLabel(/^承認 \d+$/).check();
  await expect(page.locator('[data-testid=review-row][data-code="06-103"] [data-state]')).toHaveText('承認');

  await page.getByRole('link', { name: '評価', exact: true }).click();
  await expect(page.getByRole('heading', { name: '評価', exact: true })).toBeVisible();
  await page.getByRole('button', { name: '令和4年度の評価を作成' }).click();
  await expect(page.getByTestId('stage')).toHaveText('所管課による自己評価');
  await expect(page.getByRole('row', { name: /つどいの広場の実施箇所数/ })).toContainText('4箇所');
  for (const [button, stage] of [
    ['企画課による評価へ進める', '企画課による評価'],
    ['外部評価委員会による評価へ進める', '外部評価委員会による評価'],
  ] as const) {
    await page.getByRole('button', { name: button }).click();
    await expect(page.getByTestId('stage')).toHaveText(stage);
  }
  // The committee's view changes one 施策's grade; the reason is kept beside the computed grade.
  const rollup = page.getByTestId('rollup-row').first();
  await rollup.getByRole('button', { name: '判断を変更…' }).click();
  await rollup.getByLabel('評価', { exact: true }).selectOption({ index: 1 });
  await rollup.getByLabel('理由（公表されます）').fill('外部評価委員会の意見を反映');
  await rollup.getByRole('button', { name: '判断を記録' }).click();
  await expect(rollup.getByTestId('override-grade')).toBeVisible();
  await expect(page.getByTestId('judgements')).toContainText('外部評価委員会の意見を反映');
  await shot(page, '05a-evaluation-override');
  await page.getByRole('button', { name: '公表する' }).click();
  await expect(page.getByTestId('stage')).toHaveText('公表');
  await expect(page.getByTestId('judgements')).toContainText('外部評価委員会の意見を反映');
  // After publication a correction is an amendment with its reason.
  await page.getByLabel('訂正する指標（現在のデータで計算し直します）').selectOption({ label: '06-103 つどいの広場の実施箇所数' });
  await page.getByLabel('訂正の理由（公表されます）').fill('確定値の反映');
  await page.getByRole('button', { name: '訂正を記録' }).click();
  await expect(page.getByTestId('amendment-list')).toContainText('確定値の反映');
  await shot(page, '05-evaluation-published');
  await checkA11y(page, 'evaluation');

  // The dashboard of the plan: chart, and the same numbers as a table.
  await page.getByRole('link', { name: '計画と達成状況' }).click();
  await page.getByRole('link', { name: /第5次伊勢原市総合計画/ }).click();
  await page.getByLabel('年度', { exact: true }).selectOption('2020');
  await expect(page.getByTestId('grade-totals')).toBeVisible();
  await expect(page.getByRole('img', { name: /ごとの評価の分布/ })).toBeVisible();
  await shot(page, '06-dashboard-chart');
  await page.getByRole('button', { name: '表で表示' }).click();
  await expect(page.getByRole('table')).toContainText('計');
  await shot(page, '07-dashboard-table');
  await checkA11y(page, 'dashboard');
  await signOut(page);
});

test('citizens read the published evaluation without signing in', async ({ watched: page }) => {
  await page.goto('/');
  await expect(page.getByRole('link', { name: '令和4年度の評価結果' })).toBeVisible();
  await expect(page.getByTestId('nothing-published')).toHaveCount(0);
  await page.getByRole('link', { name: '令和4年度の評価結果' }).click();
  await expect(page.getByRole('heading', { name: /令和4年度の評価結果/ })).toBeVisible();
  await expect(page.getByTestId('stage')).toHaveText('公表');
  await expect(page.getByRole('row', { name: /つどいの広場の実施箇所数/ })).toContainText('4箇所');
  // The judgement and the correction are public, with their reasons (not who made them).
  await expect(page.getByTestId('judgements')).toContainText('外部評価委員会の意見を反映');
  await expect(page.getByTestId('judgements')).toContainText('確定値の反映');
  await expect(page.getByTestId('judgements')).not.toContainText('dev-planner');
  await shot(page, '08-public-evaluation');
  await checkA11y(page, 'public evaluation');
});

test('a 390-px phone can enter values', async ({ watched: page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, KOSODATE);
  const card = page.locator('[data-testid=entry-card][data-code="06-104"]');
  await expect(card.getByLabel('令和4年度の実績')).toBeVisible();
  await shot(page, '09-phone-entry');
  // Nothing wider than the phone: no sideways scrolling.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('the 企画課 and citizens can work on a 390-px phone too', async ({ watched: page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const fits = async (name: string) => {
    await shot(page, name);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, name).toBeLessThanOrEqual(0);
  };
  await signIn(page, PLANNER);
  await expect(page.getByRole('heading', { name: '提出の確認' })).toBeVisible();
  await page.getByLabel(/^承認 \d+$/).check();
  await expect(page.locator('[data-testid=review-row][data-code="06-103"]')).toBeVisible();
  await fits('12-phone-review');
  await page.goto('/app/evaluations?year=2022');
  await expect(page.getByTestId('stage')).toHaveText('公表');
  await fits('13-phone-evaluation');
  await page.goto('/app/plans/142140/5th-implementation?year=2020');
  await expect(page.getByRole('img', { name: /ごとの評価の分布/ })).toBeVisible();
  await fits('14-phone-dashboard');
  await page.goto('/app/import');
  await expect(page.getByRole('heading', { name: '進捗表の取り込み' })).toBeVisible();
  await fits('15-phone-import');
  await signOut(page);
  await page.goto('/app/public/142140/5th-implementation/2022');
  await expect(page.getByTestId('stage')).toHaveText('公表');
  await fits('16-phone-public-evaluation');
});

test('sign-out, expiry and a forbidden screen each say so', async ({ watched: page }) => {
  await signIn(page, KOSODATE);
  await page.goto('/app/review');
  await expect(page.getByRole('heading', { name: 'この画面を使う権限がありません' })).toBeVisible();
  await shot(page, '10-forbidden');
  // A token that has expired: the console ends the session and says why.
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('sokei.session')!);
    s.expiresAt = Math.floor(Date.now() / 1000) - 5;
    sessionStorage.setItem('sokei.session', JSON.stringify(s));
  });
  await page.goto('/app/entry');
  await expect(page.getByRole('heading', { name: 'サインインの有効期限が切れました' })).toBeVisible();
  await shot(page, '11-expired');
});
