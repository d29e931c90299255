import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.PORT ?? 5173);

/** Flags for Debian's Chromium on a closed network (no GPU, no background traffic). */
export const chromiumArgs = [
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launch options for Debian's Chromium; CHROMIUM_PATH points elsewhere (Playwright's own build cannot be downloaded here). */
export const launchOptions = (extraArgs: string[] = []) => ({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [...chromiumArgs, ...extraArgs],
});

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  // Two cores: one browser at a time keeps the onnxruntime threads from fighting each other.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1280, height: 800 },
    launchOptions: launchOptions(),
  },
  webServer: {
    command: `npx vite --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
