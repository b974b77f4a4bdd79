// Staff sign in at a real OpenID Connect provider (oidc-provider, started by
// tests/e2e/console_e2e_test.sh with its own key) through a second gateway configured for it
// (SOKEI_OIDC_CONSOLE_URL): authorization code + PKCE in the browser, the provider's JWT access
// token verified by the gateway on every API call, sign-out ending the provider's session too.
import { checkA11y, expect, shot, test } from './fixtures';

const consoleUrl = process.env.SOKEI_OIDC_CONSOLE_URL ?? '';

test.describe.configure({ mode: 'serial' });

test.beforeEach(() => {
  expect(consoleUrl, 'SOKEI_OIDC_CONSOLE_URL: run through tests/e2e/console_e2e_test.sh').not.toBe('');
});

async function signInAtProvider(page: import('@playwright/test').Page, login: string, password = 'sokei-e2e') {
  await page.goto(`${consoleUrl}/app/signin`);
  await expect(page.getByText('庁内の認証基盤でサインインしてください')).toBeVisible();
  await page.getByRole('button', { name: '認証基盤でサインイン' }).click();
  await expect(page.getByRole('heading', { name: '伊勢原市 職員認証' })).toBeVisible();
  await page.getByLabel('職員ID').fill(login);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'サインイン' }).click();
}

test('a department signs in at the city provider and works with its token', async ({ watched: page }) => {
  await page.goto(`${consoleUrl}/app/signin`);
  await checkA11y(page, 'oidc sign-in');
  await shot(page, '40-oidc-signin');
  // A wrong password stays at the provider.
  await signInAtProvider(page, 'kosodate01', 'wrong');
  await expect(page.getByRole('alert')).toHaveText('職員IDまたはパスワードが違います。');
  expect(new URL(page.url()).origin).not.toBe(new URL(consoleUrl).origin);

  await signInAtProvider(page, 'kosodate01');
  // Back in the console as the provider's account, on the department's screen, with its data:
  // every call below carried the provider's access token and the gateway accepted it.
  await expect(page).toHaveURL(`${consoleUrl}/app/entry`);
  await expect(page.getByTestId('who')).toHaveText('子育て 花子');
  await expect(page.getByRole('heading', { name: '実績の入力' })).toBeVisible();
  await expect(page.locator('[data-testid=entry-card][data-code="06-103"]')).toBeVisible();
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('sokei.session') ?? '{}').token as string);
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
  expect(claims).toMatchObject({ sub: 'kosodate01', aud: 'sokei', roles: ['editor'], departments: ['d-hc796d3cb13'] });
  expect(claims.iss).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  // The code is gone from the address bar; a replay of the callback is refused, not a second session.
  expect(page.url()).not.toContain('code=');
  await shot(page, '41-oidc-entry');

  // A screen of another role: the 403 page, not an error.
  await page.goto(`${consoleUrl}/app/review`);
  await expect(page.getByRole('heading', { name: 'この画面を使う権限がありません' })).toBeVisible();

  // Sign-out ends the provider's session too (it asks, then sends the browser back).
  await page.goto(`${consoleUrl}/app/entry`);
  await page.getByRole('button', { name: 'サインアウト' }).click();
  await expect(page.getByRole('heading', { name: 'サインアウトの確認' })).toBeVisible();
  await page.getByRole('button', { name: 'サインアウトする' }).click();
  await expect(page.getByRole('heading', { name: 'サインアウトしました' })).toBeVisible();
  await page.goto(`${consoleUrl}/app/entry`);
  await expect(page).toHaveURL(`${consoleUrl}/app/signin`);
  // The provider forgot the person: signing in again asks for the password again.
  await page.getByRole('button', { name: '認証基盤でサインイン' }).click();
  await expect(page.getByLabel('パスワード')).toBeVisible();
});

test('a forged or replayed callback does not sign anyone in', async ({ watched: page }) => {
  await page.goto(`${consoleUrl}/app/auth/callback?code=forged&state=guessed`);
  await expect(page.getByRole('heading', { name: 'サインインできませんでした' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('このブラウザーで始めたものではありません');
  await expect(page.getByTestId('who')).toHaveCount(0);
  await shot(page, '42-oidc-callback-refused');
  // A token the provider did not sign is refused by the gateway itself (401), whatever a browser holds.
  const r = await page.request.get(`${consoleUrl}/v1/municipalities/142140/plans`, {
    headers: { Authorization: 'Bearer e30.eyJzdWIiOiJ4In0.c2ln' },
  });
  expect(r.status()).toBe(401);
});

test('the planner signs in at the provider and lands on the review queue', async ({ watched: page }) => {
  await signInAtProvider(page, 'kikaku01');
  await expect(page).toHaveURL(`${consoleUrl}/app/review`);
  await expect(page.getByTestId('who')).toHaveText('企画 太郎');
  await expect(page.getByRole('heading', { name: '提出の確認' })).toBeVisible();
});
