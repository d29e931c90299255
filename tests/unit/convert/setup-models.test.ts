import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_ID, findCatalogModel } from '../../../src/models/catalog.ts';
import { main } from '../../../src/node/cli.ts';
import { hasSharedModels, MNET, quietly, SHARED_MODELS } from './fixtures.ts';

const SCRIPT = fileURLToPath(new URL('../../../scripts/setup-models.mjs', import.meta.url));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const dirs: string[] = [];

/** Runs the setup script with its folders in a temp dir; downloads go to a closed local port. */
function setup(shared: string, prepare?: (dirs: { target: string; cache: string }) => void) {
  const root = mkdtempSync(join(tmpdir(), 'rfw-setup-'));
  dirs.push(root);
  const target = join(root, 'models');
  const cache = join(root, 'cache');
  mkdirSync(target);
  prepare?.({ target, cache });
  const run = spawnSync(process.execPath, [SCRIPT], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, RETINAFACE_SETUP_SHARED: shared, RETINAFACE_SETUP_TARGET: target, RETINAFACE_SETUP_CACHE: cache, RETINAFACE_SETUP_UPSTREAM: 'http://127.0.0.1:2/' },
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}`, target, cache };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!hasSharedModels)('the model setup (npm install)', () => {
  const defaultFile = 'retinaface-mnet025.onnx';
  const exactFile = 'retinaface-mnet025-exact.onnx';
  const pinned = findCatalogModel(DEFAULT_MODEL_ID)!.sha256!;

  for (const [id, args] of [
    [DEFAULT_MODEL_ID, ['--bgr', '--dynamic', '--optimize']],
    ['retinaface-mnet025-exact', ['--bgr', '--dynamic']],
  ] as const) {
    it(`\`convert ${args.join(' ')}\` writes ${id} byte for byte as pinned (setup script and catalog)`, async () => {
      const model = findCatalogModel(id)!;
      const dir = mkdtempSync(join(tmpdir(), 'rfw-convert-'));
      dirs.push(dir);
      const out = join(dir, model.file);
      const cli = ['convert', '--symbol', `${MNET}mnet.25-symbol.json`, '--params', `${MNET}mnet.25-0000.params`, '--out', out, ...args];
      expect(await quietly(() => main(cli))).toBe(0);
      const script = readFileSync(SCRIPT, 'utf8');
      const pinnedArgs = args.map((a) => `'${a}'`).join(', ');
      const inScript = new RegExp(`file: '${model.file}',[^}]*sha256: '([0-9a-f]{64})',\\s*convertArgs: \\[${pinnedArgs}\\]`).exec(script)?.[1];
      expect(sha256(out)).toBe(inScript);
      expect(sha256(out)).toBe(model.sha256);
    });
  }

  it('builds the default model and the exact one from the MXNet originals with the converter', () => {
    const { status, output, target } = setup(SHARED_MODELS);
    expect(status).toBe(0);
    expect(output).toMatch(/built retinaface-mnet025\.onnx .* with the converter from the MXNet originals/);
    expect(output).toMatch(/built retinaface-mnet025-exact\.onnx .* with the converter from the MXNet originals/);
    expect(sha256(join(target, defaultFile))).toBe(pinned);
    expect(sha256(join(target, exactFile))).toBe(findCatalogModel('retinaface-mnet025-exact')!.sha256);
    expect(existsSync(join(target, 'retinaface-mnet025-biubug6.onnx'))).toBe(true);
    // YuNet is copied too, byte for byte as the catalog pins it.
    expect(output).toMatch(/copied face_detection_yunet_2026may\.onnx \(OpenCV Zoo YuNet\)/);
    expect(sha256(join(target, findCatalogModel('yunet')!.file))).toBe(findCatalogModel('yunet')!.sha256);
  });

  it('keeps an existing good file', () => {
    const first = setup(SHARED_MODELS);
    const { status, output } = setup(SHARED_MODELS, ({ target }) => {
      for (const f of [defaultFile, exactFile]) copyFileSync(join(first.target, f), join(target, f));
    });
    expect(status).toBe(0);
    expect(output).not.toMatch(/retinaface-mnet025(-exact)?\.onnx/); // nothing built or copied
  });

  it('uses originals from its download folder when ../shared lacks them', () => {
    const empty = mkdtempSync(join(tmpdir(), 'rfw-empty-'));
    dirs.push(empty);
    const { status, output, target } = setup(empty, ({ cache }) => {
      mkdirSync(cache);
      for (const f of ['mnet.25-symbol.json', 'mnet.25-0000.params']) copyFileSync(join(MNET, f), join(cache, f));
    });
    expect(status).toBe(0);
    expect(output).toMatch(/built retinaface-mnet025\.onnx/);
    expect(sha256(join(target, defaultFile))).toBe(pinned);
  });

  it('offline and without ../shared it explains, and never fails the install', () => {
    const empty = mkdtempSync(join(tmpdir(), 'rfw-empty-'));
    dirs.push(empty);
    const { status, output, target } = setup(empty);
    expect(status).toBe(0);
    expect(output).toMatch(/retinaface-mnet025\.onnx .* is not installed: the MXNet originals are unavailable \(downloading http:\/\/127\.0\.0\.1:2\/mnet\.25-symbol\.json failed \(ECONNREFUSED; offline or blocked\?\)\)/);
    expect(output).toMatch(/retinaface-mnet025-exact\.onnx .* is not installed: the MXNet originals are unavailable/);
    expect(existsSync(join(target, defaultFile))).toBe(false);
    expect(output).toMatch(/face_detection_yunet_2026may\.onnx \(OpenCV Zoo YuNet\) is not installed: .*the model is MIT-licensed/);
    expect(output).toMatch(/retinaface-mnet025-biubug6\.onnx .* is not installed: .*non-commercial research only/);
  });
});
