/**
 * The README's model table (prints it; `--write` puts it into README.md between the `model-table` markers): every
 * installed model of the catalog on the 120 shared WIDER FACE val images, official protocol (src/eval), score 0.02,
 * predictions written as WIDER txt files: easy / medium / hard AP at native size, single pass, and in best-quality
 * mode (`--tta`, insightface's settings, box vote) for the RetinaFace models; file size and licence.
 *
 * Usage: flock /tmp/bench.lock npm run docs:models [-- --write --threads 1 --no-tta --models a,b]
 * Results are kept in .cache/model-table/ under the model file's sha256, so a run that stopped goes on where it
 * was and an unchanged model is not measured again (`--fresh` measures everything anew). `--models` and
 * `--no-tta` limit what is measured; the table always has every installed model, with what the cache holds.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CandidateMerger } from '../src/core/index.ts';
import { DEFAULT_MODEL_ID, MODEL_CATALOG, type CatalogModel } from '../src/models/catalog.ts';
import { NodeDetector } from '../src/node/node-detector.ts';
import { apOf, emptyRun, EVAL_SCORE, mean, root, runBestQuality, runSinglePass, widerGroundTruth, widerImages, type ApFigures } from './wider-run.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    threads: { type: 'string', default: '1' },
    'no-tta': { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});

type Mode = 'single' | 'best';
interface Measured extends ApFigures {
  secondsPerImage: number;
  images: number;
  threads: number;
}

const cacheDir = join(root, '.cache', 'model-table');
mkdirSync(cacheDir, { recursive: true });
const images = widerImages();
const groundTruth = widerGroundTruth();
const wanted = values.models?.split(',');
const installed = MODEL_CATALOG.filter((m) => existsSync(modelFile(m)));

function modelFile(m: CatalogModel): string {
  return join(root, 'public', 'models', m.file);
}

/** A model's figures in one mode: from the cache, measured now if it may be, or undefined. */
async function measure(m: CatalogModel, mode: Mode, sha: string, may: boolean): Promise<Measured | undefined> {
  const cached = join(cacheDir, `${m.id}-${sha.slice(0, 16)}-${mode}.json`);
  if ((!values.fresh || !may) && existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as Measured;
  if (!may) return undefined;
  // Asked for two, onnxruntime-web's Node build kept one core busy here: the figures are one thread's.
  const threads = Number(values.threads);
  const detector = await NodeDetector.create({ model: modelFile(m), threads });
  const run = emptyRun();
  const merger = new CandidateMerger();
  for (const [i, file] of images.entries()) {
    if (mode === 'single') await runSinglePass(detector, file, run);
    else await runBestQuality(detector, merger, file, [run], ['vote']);
    if (mode === 'best' && i % 10 === 9) console.error(`  ${m.id} best: ${i + 1}/${images.length}`);
  }
  await detector.release();
  const result: Measured = { ...apOf(run, groundTruth), secondsPerImage: mean(run.seconds), images: images.length, threads };
  writeFileSync(cached, JSON.stringify(result));
  return result;
}

const isRetinaFace = async (m: CatalogModel) => {
  const detector = await NodeDetector.create({ model: modelFile(m) });
  const family = detector.descriptor.family;
  await detector.release();
  return family !== 'yunet';
};

const ap = (r: Measured) => `${r.easy.toFixed(3)} / ${r.medium.toFixed(3)} / ${r.hard.toFixed(3)}`;
const rows: string[] = [];
for (const m of installed) {
  const sha = createHash('sha256').update(readFileSync(modelFile(m))).digest('hex');
  const mayMeasure = !wanted || wanted.includes(m.id);
  const single = await measure(m, 'single', sha, mayMeasure);
  const retinaFace = await isRetinaFace(m);
  const best = retinaFace ? await measure(m, 'best', sha, mayMeasure && !values['no-tta']) : undefined;
  const kB = Math.round(statSync(modelFile(m)).size / 1000).toLocaleString('en');
  const licence = m.licence.split(' (')[0];
  rows.push(
    `| \`${m.id}\`${m.id === DEFAULT_MODEL_ID ? ' (default)' : ''} | ${single ? ap(single) : 'not measured'} | ${single ? single.secondsPerImage.toFixed(2) : ''} | ` +
      `${best ? ap(best) : retinaFace ? 'not measured' : '— (RetinaFace only)'} | ${best ? best.secondsPerImage.toFixed(1) : ''} | ${kB} kB | ${licence} |`,
  );
  console.error(`${m.id}: done`);
}
const missing = MODEL_CATALOG.filter((m) => !installed.includes(m)).map((m) => `\`${m.id}\``);
const table = [
  `WIDER FACE val, the ${images.length} shared images, official protocol (\`src/eval\`), score ${EVAL_SCORE}, predictions as WIDER txt files;`,
  `s/image in Node (onnxruntime-web WASM, one core, JPEG decoding excluded) on the machine that ran`,
  '`npm run docs:models`, which made this table.' + (missing.length ? ` Not installed there, so not measured: ${missing.join(', ')}.` : ''),
  '',
  '| model | easy / medium / hard AP, native size | s/image | best quality (`--tta`, box vote) | s/image | file | licence |',
  '|---|---|---|---|---|---|---|',
  ...rows,
].join('\n');
console.log(table);

if (values.write) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- model-table: made by `npm run docs:models`; do not edit by hand -->';
  const end = '<!-- /model-table -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} block`);
  writeFileSync(readme, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`);
  console.error('README.md: model table written');
}
