// Every page of the suite fails its test on a console error or a failed request (an HTTP status of
// 400 or more that the test did not declare expected), and writes screenshots as artefacts.
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type Page } from '@playwright/test';

export const SHOTS = 'e2e/artifacts/screenshots';

const allowed = new WeakMap<Page, RegExp[]>();

/** Declares responses of `page` with an error status that the test expects (e.g. a 404 probe). */
export function allowErrorStatus(page: Page, url: RegExp) {
  allowed.get(page)?.push(url);
}

export const test = base.extend<{ watched: Page }>({
  watched: async ({ page }, use) => {
    const problems: string[] = [];
    allowed.set(page, []);
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // The browser's own line for a declared error status (its location is the resource's URL).
      const declared = m.text().startsWith('Failed to load resource') && (allowed.get(page) ?? []).some((a) => a.test(m.location().url));
      if (!declared) problems.push(`console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && !(allowed.get(page) ?? []).some((a) => a.test(r.url())))
        problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => {
      // Requests cut short by the test's own navigation (ERR_ABORTED) are not failures of the app.
      if (!r.url().startsWith('blob:') && r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    await use(page);
    expect(problems, problems.join('\n')).toEqual([]);
  },
});

export { expect };

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** No serious or critical accessibility violations (JIS X 8341-3 AA ≈ WCAG 2.x AA rules). */
export async function checkA11y(page: Page, what: string) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

export async function signIn(page: Page, label: RegExp) {
  await page.goto('/app/signin');
  await page.getByRole('button', { name: label }).click();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'サインアウト' }).click();
  await expect(page.getByRole('heading', { name: 'サインアウトしました' })).toBeVisible();
}
