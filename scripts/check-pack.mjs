#!/usr/bin/env node
// Runs before `npm pack` / `npm publish` (prepack): refuses to pack a package that would ship without its
// default model, or without the model licence notice beside it. The default model's file name is read from the
// model catalog (src/models/catalog.ts), the one place that names it. RETINAFACE_PACK_MODELS_DIR points the
// check at another folder than public/models/ (tests do, to try it without touching the real model).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
const modelsDir = process.env.RETINAFACE_PACK_MODELS_DIR ?? join(root, 'public', 'models');
const NOTICE = 'MODEL-LICENSE.md';

const { MODEL_CATALOG, DEFAULT_MODEL_ID } = await tsImport('../src/models/catalog.ts', import.meta.url);
const model = MODEL_CATALOG.find((m) => m.id === DEFAULT_MODEL_ID);
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const shown = (path) => (relative(root, path).startsWith('..') ? path : relative(root, path));

const problems = [];
const modelFile = join(modelsDir, model.file);
if (!existsSync(modelFile) || statSync(modelFile).size === 0) {
  problems.push(
    `the default model ${model.id} (${shown(modelFile)}) is missing, and the package would ship without it. ` +
      'Install it first: `npm install` runs the model setup (or run `npm run prepare`); see the README, "Models".',
  );
}
if (!existsSync(join(modelsDir, NOTICE))) problems.push(`the model licence notice ${shown(join(modelsDir, NOTICE))} is missing.`);
for (const path of [`public/models/${model.file}`, `public/models/${NOTICE}`]) {
  if (!manifest.files?.includes(path)) problems.push(`package.json "files" does not list ${path}.`);
}

if (problems.length > 0) {
  console.error(['npm pack stopped:', ...problems.map((p) => `- ${p}`)].join('\n'));
  process.exit(1);
}
