import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { expectSameFaces, projectRoot, runCli, sharedFile } from './helpers.ts';

const run = promisify(execFile);
const PHOTO = 'testdata/photos/group-640x480.jpg';

/** A TCP port nobody listens on now (so that several checkouts can run this test at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Waits until a URL answers. */
async function waitForServer(url: string, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (server.exitCode !== null) throw new Error(`the preview server exited with ${server.exitCode}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer`);
}

test('a Vite app that installs the packed library detects faces with no other set-up, on several threads with the package\'s Vite plugin', async ({ page }) => {
  test.setTimeout(300_000);
  const app = mkdtempSync(join(tmpdir(), 'retinaface-consumer-'));
  let server: ChildProcess | undefined;
  try {
    cpSync(join(projectRoot, 'tests/fixtures/consumer-app'), app, { recursive: true });
    mkdirSync(join(app, 'public'));
    cpSync(sharedFile(PHOTO), join(app, 'public/photo.jpg'));

    // npm pack builds the library (prepack) exactly as it would be published.
    await run('npm', ['pack', '--pack-destination', app], { cwd: projectRoot, maxBuffer: 16 << 20 });
    const tarball = readdirSync(app).find((f) => f.endsWith('.tgz'))!;
    const vite = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).devDependencies.vite;
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`, `vite@${vite}`], { cwd: app, maxBuffer: 16 << 20 });

    // The package's types are usable from a strict TypeScript app.
    await run(process.execPath, [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', join(app, 'tsconfig.json')]);

    await run('npx', ['vite', 'build'], { cwd: app });
    const port = await freePort();
    server = spawn('npx', ['vite', 'preview', '--port', String(port), '--strictPort'], { cwd: app, stdio: 'ignore', detached: true });
    await waitForServer(`http://localhost:${port}/`, server);

    await page.goto(`http://localhost:${port}/`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 120_000 });
    const result = await page.evaluate(() => window.result!);
    expect(result).not.toHaveProperty('error');
    const { faces, numThreads, crossOriginIsolated } = result as Exclude<typeof result, { error: string }>;
    const [cli] = await runCli([sharedFile(PHOTO)]);
    expect(faces.length).toBe(20);
    expectSameFaces(faces, cli.faces, 1e-2, 1e-4);

    // The package's Vite plugin (retinaface-web/vite, in the app's vite.config.ts) made the preview server
    // send COOP/COEP: the page is cross-origin isolated and WASM runs on more than one thread.
    const headers = (await page.request.get(`http://localhost:${port}/`)).headers();
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(crossOriginIsolated).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(cores, 'this check needs a machine with 2 cores or more').toBeGreaterThan(1);
    expect(numThreads).toBeGreaterThan(1);
  } finally {
    if (server?.pid) process.kill(-server.pid);
    rmSync(app, { recursive: true, force: true });
  }
});
