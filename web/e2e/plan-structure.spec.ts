// Staff browse the plan as the city wrote it: levels with their own names, the node tree with
// departments, SDGs and tags, and the 総合戦略 基本目標 × 基本政策 matrix (Isehara's next plan);
// a rolling revision of Isesaki's action plan and what changed in its nodes and indicators.
import { checkA11y, expect, shot, signIn, test } from './fixtures';

test('the plan tree and the package matrix', async ({ watched: page }) => {
  await signIn(page, /閲覧者/);
  const plan = page.getByRole('listitem').filter({ hasText: '伊勢原市総合計画 基本計画' });
  await plan.getByRole('link', { name: '体系と重点的な取組' }).click();
  await expect(page.getByTestId('levels')).toContainText('基本政策');
  const tree = page.getByTestId('tree');
  await expect(tree.locator('details').first()).toHaveAttribute('open', '');
  expect(await tree.locator('li').count()).toBeGreaterThan(40);
  const matrix = page.getByTestId('matrix');
  await expect(matrix).toBeVisible();
  expect(await matrix.locator('tbody tr').count()).toBeGreaterThan(0);
  expect(await matrix.locator('td', { hasText: /◎|○/ }).count()).toBeGreaterThan(0);
  await shot(page, '40-plan-tree-matrix');
  await checkA11y(page, 'plan tree');
});

test('a rolling revision: what changed in the nodes and in the indicators', async ({ watched: page }) => {
  // The 企画課 of 伊勢崎市 revises its action plan through the API (as the CLI or a script would),
  // renames a 施策 of the new version and gives it an indicator of its own.
  const config = await (await page.request.get('/console/config.json')).json();
  const admin = (config.roles as Array<{ role: string; token: string }>).find((r) => r.role === 'admin');
  expect(admin).toBeTruthy();
  const headers = { Authorization: `Bearer ${admin!.token}`, 'Content-Type': 'application/json' };
  const m = '/v1/municipalities/102041';
  const revised = await page.request.post(`${m}/plans/3rd-action-plan-early:revise`, {
    headers,
    data: { newPlanId: 'e2e-r1', versionLabel: '令和7年度改定' },
  });
  expect(revised.status(), await revised.text()).toBe(200);
  const tree = await (await page.request.get(`${m}/plans/e2e-r1:tree`, { headers })).json();
  const node = (tree.nodes as Array<{ node: { name: string; code: string; displayName: string; parent?: string; etag: string } }>)
    .map((n) => n.node)
    .find((n) => !!n.parent)!;
  const renamed = await page.request.patch(`/v1/${node.name}?updateMask=displayName`, { headers, data: { displayName: `${node.displayName}（改定）`, etag: node.etag } });
  expect(renamed.status(), await renamed.text()).toBe(200);
  const indicator = await page.request.post(`${m}/indicators?indicatorId=e2e-r1-new`, {
    headers,
    data: { code: 'R7-1', displayName: '改定で加えた指標', kind: 'INDICATOR_KIND_OUTCOME', unit: '件', direction: 'DIRECTION_INCREASE', nodes: [node.name] },
  });
  expect(indicator.status(), await indicator.text()).toBe(200);

  await signIn(page, /システム管理者/);
  await page.goto('/app/plans/102041/e2e-r1/diff');
  // The base defaults to the version the revision supersedes.
  await expect(page.getByLabel('比べる前の版')).toHaveValue('municipalities/102041/plans/3rd-action-plan-early');
  const rows = page.getByTestId('diff-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-kind', 'NODE_CHANGE_KIND_RENAMED');
  await expect(rows.first()).toContainText(`${node.displayName}（改定）`);
  const indicators = page.getByTestId('indicator-diff-row');
  await expect(indicators).toHaveCount(1);
  await expect(indicators.first()).toHaveAttribute('data-kind', 'INDICATOR_CHANGE_KIND_ADDED');
  await expect(indicators.first()).toContainText('R7-1 改定で加えた指標');
  await expect(indicators.first()).toContainText(`${node.code} ${node.displayName}（改定）`);
  await expect(page.getByTestId('indicator-diff-summary')).toHaveText('変更 1 件 ・ 変更なし 0 件');
  await shot(page, '41-plan-revision-diff');
  await checkA11y(page, 'plan revision diff');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, '43-phone-plan-revision-diff');
  await page.setViewportSize({ width: 1280, height: 800 });
  // The renamed 施策's history: both versions, oldest first, and the indicator of the new one.
  await rows.first().getByRole('link', { name: '経緯' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${node.code} ${node.displayName}（改定）の経緯`);
  const versions = page.getByTestId('node-version');
  await expect(versions).toHaveCount(2);
  await expect(versions.nth(0)).toContainText(node.displayName);
  await expect(versions.nth(0)).toContainText('次の版へ: 継続');
  await expect(versions.nth(1)).toContainText('令和7年度改定');
  await expect(page.getByTestId('node-indicator')).toContainText('R7-1 改定で加えた指標');
  await shot(page, '42-node-history');
  await checkA11y(page, 'node history');
});
