/**
 * Best-quality mode benchmark (prints figures, asserts nothing): WIDER FACE AP by the official protocol (easy /
 * medium / hard) on the 120 shared images, one pass at the image's own size vs best-quality mode (`--tta`:
 * insightface's multi-scale + flip test, merged by box voting, and by NMS for comparison), every detection at score
 * 0.02 as insightface's WIDER test runs; and the time per image (the file's JPEG decoding excluded).
 *
 * Usage: flock /tmp/bench.lock npm run bench:quality [-- --models retinaface-mnet025,retinaface-mnet025-biubug6
 *        --threads 1 --step 1 --tta-scales 500,800,1100,1400,1700]
 * `--step n` takes every n-th image (a quicker, smaller sample: its AP is not the 120-image figure).
 * Predictions go through the WIDER txt writer and reader, as files would, before they are evaluated.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CandidateMerger } from '../src/core/index.ts';
import { findCatalogModel } from '../src/models/catalog.ts';
import { NodeDetector } from '../src/node/node-detector.ts';
import { EVAL_SCORE, apOf, emptyRun, mean, median, root, runBestQuality, runSinglePass, widerGroundTruth, widerImages, type ApFigures, type ModeRun } from './wider-run.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'retinaface-mnet025' },
    threads: { type: 'string', default: '1' },
    step: { type: 'string', default: '1' },
    'tta-scales': { type: 'string' },
  },
});
const scales = values['tta-scales']?.split(',').map(Number);
const images = widerImages(Number(values.step));
const groundTruth = widerGroundTruth();
console.log(`WIDER FACE val, ${images.length} of the 120 shared images, official protocol; score ${EVAL_SCORE}; ${values.threads} WASM thread(s)`);
console.log('model                        mode                          easy    medium  hard    s/image (mean, median)');

for (const id of values.models.split(',')) {
  const model = findCatalogModel(id);
  if (!model) throw new Error(`Unknown model ${id}`);
  const detector = await NodeDetector.create({ model: join(root, 'public', 'models', model.file), threads: Number(values.threads) });
  const merger = new CandidateMerger();
  const modes: { label: string; run: ModeRun }[] = [
    { label: 'single pass, native size', run: emptyRun() },
    { label: 'best (--tta): box vote', run: emptyRun() },
    { label: 'best (--tta-merge nms)', run: emptyRun() },
  ];
  const [single, vote, nms] = modes.map((m) => m.run);
  for (const file of images) {
    await runSinglePass(detector, file, single);
    await runBestQuality(detector, merger, file, [vote, nms], ['vote', 'nms'], { scales });
  }
  await detector.release();

  const ap = new Map<ModeRun, ApFigures>();
  for (const { label, run } of modes) {
    const r = apOf(run, groundTruth);
    ap.set(run, r);
    const figures = [r.easy, r.medium, r.hard].map((v) => v.toFixed(4).padEnd(8)).join('');
    console.log(`${id.padEnd(29)}${label.padEnd(30)}${figures}${mean(run.seconds).toFixed(2)} s, ${median(run.seconds).toFixed(2)} s`);
  }
  const [s, b] = [ap.get(single)!, ap.get(vote)!];
  const gain = (k: keyof ApFigures) => `${b[k] - s[k] >= 0 ? '+' : ''}${(b[k] - s[k]).toFixed(4)}`;
  const met = b.hard >= s.hard + 0.05 && b.easy >= s.easy && b.medium >= s.medium;
  console.log(
    `${''.padEnd(29)}${'gain of best (vote)'.padEnd(30)}${gain('easy').padEnd(8)}${gain('medium').padEnd(8)}${gain('hard').padEnd(8)}` +
      `${(mean(vote.seconds) / mean(single.seconds)).toFixed(1)}x the time`,
  );
  console.log(`${''.padEnd(29)}target (hard ≥ single + 0.05, easy and medium not lower): ${met ? 'met' : 'NOT met'}`);
}
