// The npm package as it would be published: `npm pack` of this checkout, then a plain install of the tarball.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_MODEL_ID, MODEL_CATALOG } from '../../src/models/catalog.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const defaultModel = MODEL_CATALOG.find((m) => m.id === DEFAULT_MODEL_ID)!;
const modelPath = `public/models/${defaultModel.file}`;
const NOTICE = 'public/models/MODEL-LICENSE.md';
const readRepo = (path: string) => readFileSync(join(root, path), 'utf8');

interface PackedFile {
  path: string;
  size: number;
}

let work: string;
let tarball: string;
let files: PackedFile[];
let manifestBefore: string;
/** The packed package's own text files, by path. */
const packed = (path: string) => execFileSync('tar', ['-xzOf', tarball, `package/${path}`], { encoding: 'utf8' });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'retinaface-package-'));
  manifestBefore = readRepo('package.json');
  // prepack builds dist/ and leaves the scripts out of the packed manifest; --json keeps stdout for the listing.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, maxBuffer: 16 << 20 });
  const [info] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
  tarball = join(work, info.filename);
  files = info.files;
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  test('holds the default model (named by the catalog), the licence notice beside it, and LICENSE', () => {
    const paths = files.map((f) => f.path);
    expect(paths).toContain(modelPath);
    expect(files.find((f) => f.path === modelPath)!.size).toBeGreaterThan(1_000_000);
    expect(paths).toContain(NOTICE);
    expect(dirname(NOTICE)).toBe(dirname(modelPath));
    expect(paths).toContain('LICENSE');
  });

  test('package.json, LICENSE, the notice and the README say the same thing: code MIT, weights research-only', () => {
    const manifest = JSON.parse(packed('package.json'));
    // Not "MIT": the package also holds weights under other terms. npm's form for that points at the file.
    expect(manifest.license).toBe('SEE LICENSE IN LICENSE');
    const license = packed('LICENSE');
    expect(license).toContain('MIT License');
    expect(license).toContain('Permission is hereby granted, free of charge');
    expect(license).toContain(NOTICE);
    expect(license).toMatch(/model weights[^]*are NOT under the\s+MIT License/);
    expect(license).toMatch(/non-commercial research only/);

    const notice = packed(NOTICE);
    expect(notice).toMatch(/non-commercial research only/);
    expect(notice).toContain('WIDER FACE');
    for (const m of MODEL_CATALOG) expect(notice, `the notice covers ${m.file}`).toContain(`\`${m.file}\``);
    expect(notice).toMatch(new RegExp(`\`${defaultModel.file}\`[^|]*\\|[^\\n]*\\| yes \\|`)); // says which one ships

    const readme = packed('README.md');
    const licence = readme.split('\n\n').find((paragraph) => paragraph.startsWith('**Licence.**'))?.replace(/\s+/g, ' ');
    expect(licence, 'the README has a "**Licence.**" paragraph').toBeDefined();
    expect(licence).toMatch(/code is MIT \(\[LICENSE\]\(LICENSE\)\)/);
    expect(licence).toContain(`(${NOTICE})`);
    expect(licence).toMatch(/non-commercial research only/);
    expect(licence).toContain('SEE LICENSE IN LICENSE');
  });

  test('its package.json has no scripts: they all name files and tools of the checkout, not of the tarball', () => {
    const manifest = JSON.parse(packed('package.json'));
    expect(manifest.scripts).toBeUndefined();
    // Everything else is the checkout's manifest, and the checkout's manifest is back as it was, byte for byte.
    const { scripts, ...rest } = JSON.parse(manifestBefore);
    expect(Object.keys(scripts)).toContain('prepare');
    expect(manifest).toEqual(rest);
    expect(readRepo('package.json')).toBe(manifestBefore);
    expect(existsSync(join(root, '.cache/pack/package.json'))).toBe(false);
    // And whatever the manifest names as an entry point is in the tarball.
    const paths = new Set(files.map((f) => f.path));
    const named = [...Object.values(manifest.bin as Record<string, string>), manifest.main, manifest.types];
    for (const entry of Object.values(manifest.exports as Record<string, string | Record<string, string>>)) {
      named.push(...(typeof entry === 'string' ? [entry] : Object.values(entry)));
    }
    for (const path of named) expect(paths, path).toContain(path.replace(/^\.\//, ''));
  });
});

test('npm pack stops, naming the default model and how to install it, when that model is missing', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'retinaface-no-models-'));
  try {
    cpSync(join(root, NOTICE), join(empty, 'MODEL-LICENSE.md'));
    // The check looks at RETINAFACE_PACK_MODELS_DIR instead of public/models/: the real model stays in place.
    const packing = run('npm', ['pack', '--dry-run', '--json'], { cwd: root, env: { ...process.env, RETINAFACE_PACK_MODELS_DIR: empty } });
    const failure = (await packing.then(() => null, (e: { code: number; stderr: string }) => e))!;
    expect(failure, 'npm pack failed').not.toBeNull();
    expect(failure.code).not.toBe(0);
    expect(failure.stderr).toContain(`npm pack stopped:\n- the default model ${DEFAULT_MODEL_ID} (${join(empty, defaultModel.file)}) is missing`);
    expect(failure.stderr).toContain('`npm install` runs the model setup');
    expect(failure.stderr).toContain('README, "Models"');
    expect(readRepo('package.json')).toBe(manifestBefore); // it stopped before anything was changed
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}, 120_000);

test('the installed CLI without sharp: one line that names the fix, exit code 1, no stack trace', async () => {
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cli-user', private: true, type: 'module' }));
  // sharp is an optional peer dependency: a plain install leaves it out.
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, maxBuffer: 16 << 20 });
  expect(existsSync(join(app, 'node_modules/retinaface-web/dist/node/cli.js'))).toBe(true);
  expect(existsSync(join(app, 'node_modules/sharp'))).toBe(false);

  const photo = join(root, '../shared/testdata/photos/group-640x480.jpg');
  const cli = run(process.execPath, [join(app, 'node_modules/.bin/retinaface-web'), 'detect', photo], { cwd: app });
  const failure = (await cli.then(() => null, (e: { code: number; stdout: string; stderr: string }) => e))!;
  expect(failure, 'the CLI failed').not.toBeNull();
  expect(failure.code).toBe(1);
  expect(failure.stdout).toBe('');
  expect(failure.stderr).toBe('error: the command line decodes images with sharp, which is not installed: run `npm install sharp`.\n');
}, 180_000);
