// Time until the plan dashboard is usable — from navigation to the grade chart drawn — in Debian's
// headless Chromium, signed in as a viewer (the session put in place before the page loads).
// usage: node dashboard_timing.mjs URL TOKEN PLAN YEAR RUNS
import { chromium } from 'playwright-core';

const [url, token, plan, year, runs = '5'] = process.argv.slice(2);
const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const session = { token, label: 'bench', subject: claims.sub, roles: claims.roles, municipality: claims.municipality, departments: [], expiresAt: claims.exp };
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const times = [];
for (let i = 0; i < Number(runs); i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((s) => sessionStorage.setItem('sokei.session', s), JSON.stringify(session));
  const page = await context.newPage();
  const t0 = performance.now();
  await page.goto(`${url}/app/plans/${plan}?year=${year}`);
  await page.getByRole('img', { name: /ごとの評価の分布/ }).waitFor({ state: 'visible', timeout: 60_000 });
  times.push(performance.now() - t0);
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(JSON.stringify({ plan, runs: times.length, median_ms: Math.round(times[Math.floor(times.length / 2)]), min_ms: Math.round(times[0]), max_ms: Math.round(times[times.length - 1]) }));
