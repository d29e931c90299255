/**
 * Tracking benchmark (prints figures, asserts nothing): issue 13's measures on the fake-camera clips with the
 * default model in Node (NodeDetector, WASM, 1 thread).
 *
 * - per clip: id switches while faces stay in view, landmark jitter raw vs smoothed (still clip), the overlay's
 *   box-centre error against the frame on screen with and without prediction (results shown `--latency` frames
 *   after their frame, one computed every `--latency` frames);
 * - the adaptive input size: a loop over the pan clip that runs each result at the controller's size and feeds it
 *   the measured session.run time, as measured and multiplied by each `--slowdown` factor (the test hook's analogue:
 *   a slower or faster machine), printing the sizes chosen.
 *
 * Usage: flock /tmp/bench.lock npm run bench:tracking [-- --latency 2 --results 120 --slowdown 0.1,1,4]
 * The clips are made into .cache/clips/ on the first run (needs ffmpeg).
 */
import { parseArgs } from 'node:util';
import type { Face, Size } from '../src/core/index.ts';
import { NodeDetector } from '../src/node/node-detector.ts';
import { AdaptiveInputSize, smallestDetectableFace } from '../src/tracking/index.ts';
import { detectClip } from '../tests/support/clip-detections.ts';
import { clipsUnavailable, ensureClips, type ClipName } from '../tests/support/clips.ts';
import { idsPerStay, idSwitches, landmarkJitter, overlayJitter, overlayLag, trackClip } from '../tests/support/tracking-metrics.ts';
import { i420ToRgba, readY4m } from '../tests/support/y4m.ts';

const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: '2' },
    results: { type: 'string', default: '120' },
    slowdown: { type: 'string', default: '0.1,1,4' },
  },
});
const latency = Number(values.latency);
const results = Number(values.results);
const slowdowns = values.slowdown.split(',').map(Number);

const why = clipsUnavailable();
if (why) {
  console.log(`bench:tracking skipped: ${why}`);
  process.exit(0);
}
const clips = ensureClips();
const detector = await NodeDetector.create();
const detections = {} as Record<ClipName, Face[][]>;
for (const clip of Object.values(clips)) detections[clip.name] = await detectClip(detector, clip.video);

const px = (v: number) => `${v.toFixed(1)} px`;
console.log(`issue 13 on the fake-camera clips (default model, native 640x480; results shown ${latency} frames late)\n`);
for (const name of ['pan', 'still', 'reentry'] as const) {
  const truth = clips[name].truth;
  const line: string[] = [`${name.padEnd(8)}`];
  for (const stride of [1, latency]) {
    const { switches, observations } = idSwitches(trackClip(detections[name], truth, {}, { fps: 30, stride }).results, truth);
    line.push(`id switches (a result every ${stride} frame${stride > 1 ? 's' : ''}) ${switches}/${observations}`);
  }
  if (name === 'still') {
    const j = landmarkJitter(trackClip(detections.still, truth, {}, { fps: 30 }).results, truth);
    const drawn = overlayJitter(detections.still, truth, {}, { fps: 30, stride: latency, latency });
    line.push(`landmark jitter raw ${px(j.raw)} → smoothed ${px(j.smoothed)} (${(j.raw / j.smoothed).toFixed(1)}×), mean offset ${px(j.meanOffset)}, drawn with prediction ${px(drawn.predicted)}`);
  } else {
    for (const smoothing of [true, false]) {
      const lag = overlayLag(detections[name], truth, smoothing ? {} : { smoothing: false }, { fps: 30, stride: latency, latency });
      line.push(`lag smoothing ${smoothing ? 'on' : 'off'}: ${px(lag.unpredicted)} unpredicted, ${px(lag.predicted)} predicted`);
    }
  }
  if (name === 'reentry') line.push(`left face's ids per stay ${JSON.stringify(idsPerStay(trackClip(detections.reentry, truth, {}, { fps: 30 }).results, truth, 1))}`);
  console.log(line.join('\n          '));
}

// The adaptive input size, fed the measured session.run times of a loop over the pan clip.
const video = readY4m(clips.pan.video);
const rgba = new Uint8Array(video.width * video.height * 4);
const smallest = smallestDetectableFace(detector.descriptor.levels);
const sizeText = (s: Size) => `${s.width}x${s.height}`;
console.log(`\nadaptive input size (targetFps 30, minFaceSize 40 px, smallest anchor ${smallest} px; ${results} results over the pan clip):`);
for (const slowdown of slowdowns) {
  const controller = new AdaptiveInputSize({ width: video.width, height: video.height }, smallest);
  const used = new Map<string, number>();
  let last = 0;
  for (let i = 0; i < results; i++) {
    const n = i % (2 * video.frames.length - 2);
    const frame = video.frames[n < video.frames.length ? n : 2 * video.frames.length - 2 - n];
    i420ToRgba(frame, video.width, video.height, rgba);
    const size = controller.size;
    const { timings } = await detector.detectImage({ data: rgba, width: video.width, height: video.height }, { inputSize: size });
    used.set(sizeText(size), (used.get(sizeText(size)) ?? 0) + 1);
    last = timings.inference * slowdown;
    controller.next(last);
  }
  const history = [...used].map(([s, k]) => `${s} ×${k}`).join(', ');
  console.log(
    `  time × ${slowdown}: ends at ${sizeText(controller.size)} (last ${last.toFixed(0)} ms, average ${controller.averageMs.toFixed(0)} ms, budget ${controller.budgetMs.toFixed(0)} ms, ` +
      `bound ${sizeText(controller.minimum)}); sizes used: ${history}`,
  );
}
await detector.release();
