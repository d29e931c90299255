#!/usr/bin/env node
// Puts the models the demo and the CLI use into public/models/ (ignored by git). Runs after `npm install`.
// Never fails the install: a model it cannot provide is explained instead.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = join(root, '..', 'shared', 'models');
const target = join(root, 'public', 'models');

const MODELS = [
  {
    file: 'retinaface-mnet025.onnx',
    from: 'retinaface-mnet025/retinaface-mnet025.onnx',
    sha256: 'a2a3584c51e6d5b1ab0587f16584ea492075fabfea1b1ab568d8105782067068',
    what: 'the default model (insightface RetinaFace MobileNet-0.25, BGR, dynamic size)',
  },
  {
    file: 'retinaface-mnet025-biubug6.onnx',
    from: 'retinaface-mnet025-biubug6/retinaface-mnet025-biubug6.onnx',
    sha256: '6ef156c853a7fc783e90de337dd588ef3c4a43dc2892fc366e03e0b9a9c584a6',
    what: 'the biubug6/Pytorch_Retinaface MobileNet-0.25',
  },
];

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

mkdirSync(target, { recursive: true });
for (const m of MODELS) {
  const dest = join(target, m.file);
  if (existsSync(dest) && sha256(dest) === m.sha256) continue;
  const src = join(shared, m.from);
  if (existsSync(src) && sha256(src) === m.sha256) {
    rmSync(dest, { force: true });
    copyFileSync(src, dest);
    chmodSync(dest, 0o644); // ../shared is read-only; the copy should not be
    console.log(`setup: copied ${m.file} (${m.what}) to public/models/`);
  } else {
    console.log(
      `setup: ${m.file} (${m.what}) is not installed: ../shared/models/${m.from} was not found or its sha256 ` +
        `differs. Place the file at public/models/${m.file} (see README, "Models"); the weights are for ` +
        'non-commercial research only.',
    );
  }
}
