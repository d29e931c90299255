#!/usr/bin/env node
// `node scripts/pack-manifest.mjs strip` (the last step of prepack) and `restore` (postpack).
//
// The packed package.json should carry no scripts: every one of them names a file or a tool of the checkout
// (scripts/setup-models.mjs, vite, playwright, tests/…) that is not in the tarball, and npm 11 lists the
// `prepare` script of an installed package as an install script awaiting approval. npm has no setting that
// leaves scripts out of the packed manifest, but it packs the package.json that is on disk after prepack: so
// prepack writes the manifest without "scripts" and postpack puts the original back, byte for byte (the copy
// waits in .cache/pack/). If a pack ever died in between, `node scripts/pack-manifest.mjs restore` puts it back.
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = join(root, 'package.json');
const saved = join(root, '.cache', 'pack', 'package.json');

function restore() {
  if (existsSync(saved)) renameSync(saved, manifest);
}

function strip() {
  restore();
  const text = readFileSync(manifest, 'utf8');
  const { scripts, ...packed } = JSON.parse(text);
  mkdirSync(join(root, '.cache', 'pack'), { recursive: true });
  copyFileSync(manifest, saved);
  writeFileSync(manifest, `${JSON.stringify(packed, null, 2)}\n`);
  console.error(`pack-manifest: packing package.json without its ${Object.keys(scripts ?? {}).length} scripts (they are for the checkout)`);
}

const step = process.argv[2];
if (step === 'strip') strip();
else if (step === 'restore') restore();
else {
  console.error('usage: node scripts/pack-manifest.mjs strip|restore');
  process.exit(2);
}
