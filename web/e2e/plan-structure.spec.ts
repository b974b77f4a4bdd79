// Staff browse the plan as the city wrote it: levels with their own names, the node tree with
// departments, SDGs and tags, and the 総合戦略 基本目標 × 基本政策 matrix (Isehara's next plan).
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
