#!/usr/bin/env node
// Puts the models the demo and the CLI use into public/models/ (ignored by git). Runs after `npm install`.
// Never fails the install: a model it cannot provide is explained instead.
//
// The default model (the optimized graph) and the exact conversion are built with the project's converter from the
// insightface MXNet release (mnet.25), taken from ../shared/models/ when present, else downloaded from the upstream
// address; the originals are sha256 checked. Without either, the ready converted ONNX from ../shared/models/ is
// copied in their place (equal outputs to the exact build).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The environment can move the three folders and the download address (tests do; so can other layouts).
const shared = process.env.RETINAFACE_SETUP_SHARED ?? join(root, '..', 'shared', 'models');
const target = process.env.RETINAFACE_SETUP_TARGET ?? join(root, 'public', 'models');
const downloads = process.env.RETINAFACE_SETUP_CACHE ?? join(root, '.cache', 'models');

/** insightface mnet.25 as released in Charrin/RetinaFace-Cpp (the files ../shared/models holds). */
const UPSTREAM =
  process.env.RETINAFACE_SETUP_UPSTREAM ??
  'https://raw.githubusercontent.com/Charrin/RetinaFace-Cpp/67cddfd7fa24311edcd317d1d56b6ee72e7287b6/convert_models/mnet/';

/** insightface mnet.25 as released (sha256 of the files in ../shared/models and upstream). */
const ORIGINALS = {
  symbol: { file: 'mnet.25-symbol.json', sha256: '682ec45e8d45f1543f5d1abab5a8fb68ddff980232231bf1eaa90472bea757d3' },
  params: { file: 'mnet.25-0000.params', sha256: '051313a2e7e62e981aafcf0dd5cb16505eca4295c4d2f6f36749a173eda8413c' },
};
const ORIGINALS_DIR = 'retinaface-mnet025';
// The same weights converted elsewhere (numerically equal to the exact build, other bytes): the last resort.
const READY = { from: 'retinaface-mnet025/retinaface-mnet025.onnx', sha256: 'a2a3584c51e6d5b1ab0587f16584ea492075fabfea1b1ab568d8105782067068' };

/** The models built with the converter from the originals; the sha256 is what `retinaface-web convert <args>` writes (converter version 1). */
const CONVERTED_MODELS = [
  {
    file: 'retinaface-mnet025.onnx',
    what: 'the default model (insightface RetinaFace MobileNet-0.25, BGR, dynamic size, optimized graph)',
    sha256: '92643d69bd536c8aa8c6b88d07b711e96dd3ba92bc77d26bfb30d426ea2069dc',
    convertArgs: ['--bgr', '--dynamic', '--optimize'],
  },
  {
    file: 'retinaface-mnet025-exact.onnx',
    what: 'the exact conversion of mnet.25 (bit-identical outputs to the reference ONNX, for research comparisons)',
    sha256: '6d13b9a320f736e34468fe0215767fb2120a54451328bbaa8574c9675b0e8f74',
    convertArgs: ['--bgr', '--dynamic'],
  },
];

const COPIED_MODELS = [
  {
    file: 'retinaface-mnet025-biubug6.onnx',
    from: 'retinaface-mnet025-biubug6/retinaface-mnet025-biubug6.onnx',
    sha256: '6ef156c853a7fc783e90de337dd588ef3c4a43dc2892fc366e03e0b9a9c584a6',
    what: 'the biubug6/Pytorch_Retinaface MobileNet-0.25',
    terms: 'the weights are for non-commercial research only',
  },
  {
    file: 'face_detection_yunet_2026may.onnx',
    from: 'yunet/face_detection_yunet_2026may.onnx',
    sha256: 'ebafce4e3c118d6554634be5c27ab333b4c047a9a8c3faf1d7cf93101c22f0f0',
    what: 'OpenCV Zoo YuNet',
    terms: 'the model is MIT-licensed (OpenCV Zoo, models/face_detection_yunet)',
  },
];

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const hasFile = (path, hash) => existsSync(path) && sha256(path) === hash;
const log = (text) => console.log(`setup: ${text}`);

function copyInto(src, dest) {
  rmSync(dest, { force: true });
  copyFileSync(src, dest);
  chmodSync(dest, 0o644); // ../shared is read-only; the copy should not be
}

/** The MXNet original: from ../shared/models, or an earlier download, or downloaded now. Null if unavailable. */
async function original({ file, sha256: hash }, problems) {
  const local = join(shared, ORIGINALS_DIR, file);
  if (hasFile(local, hash)) return local;
  if (existsSync(local)) problems.push(`../shared/models/${ORIGINALS_DIR}/${file} has another sha256 than the release`);
  const cached = join(downloads, file);
  if (hasFile(cached, hash)) return cached;
  const url = UPSTREAM + file;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== hash) throw new Error(`the download's sha256 is ${got}, not the release's ${hash}`);
    mkdirSync(downloads, { recursive: true });
    writeFileSync(`${cached}.partial`, bytes);
    renameSync(`${cached}.partial`, cached);
    log(`downloaded ${file} from ${url}`);
    return cached;
  } catch (error) {
    const reason = error?.cause?.code ?? error?.cause?.message ?? error?.message ?? String(error);
    const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|TimeoutError|aborted/i.test(`${reason} ${error?.name}`);
    problems.push(`downloading ${url} failed (${reason}${offline ? '; offline or blocked?' : ''})`);
    return null;
  }
}

/** Runs the project's converter (TypeScript sources through tsx, as in a checkout). */
function convert(symbol, params, out, convertArgs) {
  const bin = join(root, 'bin', 'retinaface-web.js');
  const run = spawnSync(process.execPath, [bin, 'convert', '--symbol', symbol, '--params', params, '--out', out, ...convertArgs], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.error) return `the converter could not start (${run.error.message})`;
  if (run.status !== 0) return `the converter failed (exit ${run.status}): ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}`;
  return null;
}

/** The originals, looked up once for all the converted models; null (with the problems noted) if unavailable. */
let originals;
async function findOriginals() {
  if (!originals) {
    const problems = [];
    const symbol = await original(ORIGINALS.symbol, problems);
    const params = symbol ? await original(ORIGINALS.params, problems) : null;
    originals = { symbol, params, problems };
  }
  return originals;
}

async function setupConvertedModel(m) {
  const dest = join(target, m.file);
  if (hasFile(dest, m.sha256)) return;

  const { symbol, params, problems: found } = await findOriginals();
  const problems = [...found];
  if (symbol && params) {
    const partial = `${dest}.partial`;
    const failure = convert(symbol, params, partial, m.convertArgs);
    if (!failure) {
      const got = sha256(partial);
      renameSync(partial, dest);
      log(`built ${m.file} (${m.what}) with the converter from the MXNet originals ${ORIGINALS.symbol.file} + ${ORIGINALS.params.file}`);
      if (got !== m.sha256) {
        log(`note: its sha256 ${got} differs from the pinned ${m.sha256}; update CONVERTED_MODELS if the converter changed on purpose`);
      }
      return;
    }
    rmSync(partial, { force: true });
    problems.push(failure);
  }

  const why = problems.length ? ` (${problems.join('; ')})` : '';
  if (hasFile(dest, READY.sha256)) {
    log(`kept the existing ${m.file}, a ready conversion from ../shared/models: could not build it from the MXNet originals${why}`);
    return;
  }
  const ready = join(shared, READY.from);
  if (hasFile(ready, READY.sha256)) {
    copyInto(ready, dest);
    log(`copied the ready ${m.file} (${m.what}) from ../shared/models: could not build it from the MXNet originals${why}`);
    return;
  }
  log(
    `${m.file} (${m.what}) is not installed: the MXNet originals are unavailable${why} and ../shared/models/${READY.from} ` +
      `was not found. Put ${ORIGINALS.symbol.file} and ${ORIGINALS.params.file} (from ${UPSTREAM}) into ${downloads} ` +
      `and run \`npm run prepare\`, or place a model at public/models/${m.file} (see README, "Models"); the weights are ` +
      'for non-commercial research only.',
  );
}

function setupCopiedModel(m) {
  const dest = join(target, m.file);
  if (hasFile(dest, m.sha256)) return;
  const src = join(shared, m.from);
  if (hasFile(src, m.sha256)) {
    copyInto(src, dest);
    log(`copied ${m.file} (${m.what}) to public/models/`);
  } else {
    log(
      `${m.file} (${m.what}) is not installed: ../shared/models/${m.from} was not found or its sha256 differs. ` +
        `Place the file at public/models/${m.file} (see README, "Models"); ${m.terms}.`,
    );
  }
}

/**
 * More models on request, with the CLI's installer (`retinaface-web models install <id>`: download, sha256,
 * conversion; needs the network): `npm run setup -- --install retinaface-r50` fails if it cannot; the list in
 * RETINAFACE_SETUP_INSTALL (e.g. during `npm install`) only explains.
 */
function installRequested() {
  const args = process.argv.slice(2);
  const explicit = args.flatMap((a, i) => (a === '--install' && args[i + 1] ? [args[i + 1]] : []));
  const requested = (process.env.RETINAFACE_SETUP_INSTALL ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  let failed = false;
  for (const id of [...explicit, ...requested]) {
    const bin = join(root, 'bin', 'retinaface-web.js');
    const run = spawnSync(process.execPath, [bin, 'models', 'install', id, '--out', target, '--cache', downloads], { stdio: 'inherit' });
    if (run.status !== 0) {
      log(`${id} was not installed (see above)${explicit.includes(id) ? '' : '; the install itself is fine'}`);
      failed ||= explicit.includes(id);
    }
  }
  return failed ? 1 : 0;
}

try {
  mkdirSync(target, { recursive: true });
  for (const m of CONVERTED_MODELS) await setupConvertedModel(m);
  for (const m of COPIED_MODELS) setupCopiedModel(m);
} catch (error) {
  log(`model setup stopped early (${error?.message ?? error}); the install itself is fine. Run \`npm run prepare\` to retry.`);
}
process.exitCode = installRequested();
