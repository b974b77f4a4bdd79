import { defineConfig } from '@playwright/test';

// The console against the real gateway and services that tests/e2e/console_e2e_test.sh starts
// (SOKEI_CONSOLE_URL). Debian's Chromium, never a downloaded browser.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'e2e/artifacts/results',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.SOKEI_CONSOLE_URL ?? 'http://127.0.0.1:8080',
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.SOKEI_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
    trace: 'off',
  },
});
