/**
 * One model per family on a real 640x480 photo (prints figures, asserts nothing): onnxruntime-web WASM in Node,
 * 1 thread. Per model: median `session.run` ms and median decode + NMS ms at the family's default thresholds.
 * The models take turns run by run, so a noisy machine slows them alike.
 *
 * Usage: npx tsx bench/families.bench.ts [--runs 30] (under `flock /tmp/bench.lock` on a shared machine)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { ImagePacker, planGeometry, tensorLength } from '../src/core/index.ts';
import { decodeImageFile, fitImage } from '../src/node/image-file.ts';
import { FaceSession } from '../src/runtime/face-session.ts';

const shared = new URL('../../shared/', import.meta.url);
const MODELS = [
  { label: 'retinaface-mnet025 (default)', file: 'models/retinaface-mnet025/retinaface-mnet025.onnx' },
  { label: 'retinaface-mnet025-biubug6', file: 'models/retinaface-mnet025-biubug6/retinaface-mnet025-biubug6.onnx' },
  { label: 'yunet', file: 'models/yunet/face_detection_yunet_2026may.onnx' },
];
const PHOTO = 'testdata/photos/group-640x480.jpg';

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const runs = Number(values.runs);
ort.env.wasm.numThreads = 1;

const image = await decodeImageFile(new URL(PHOTO, shared).pathname);
const cases = [];
for (const m of MODELS) {
  const bytes = new Uint8Array(readFileSync(new URL(m.file, shared)));
  const engine = await FaceSession.load(ort, bytes, { source: m.file });
  const geometry = planGeometry(image, engine.descriptor.inputSize);
  const tensor = new ImagePacker(engine.descriptor).pack(await fitImage(image, geometry), geometry, new Float32Array(tensorLength(geometry)));
  await engine.infer(tensor, geometry); // warm-up
  cases.push({ ...m, engine, geometry, tensor, inference: [] as number[], decode: [] as number[], faces: 0 });
}
for (let r = 0; r < runs; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    const outputs = await c.engine.infer(c.tensor, c.geometry);
    const t1 = performance.now();
    c.faces = c.engine.decode(outputs, c.geometry).length;
    c.inference.push(t1 - t0);
    c.decode.push(performance.now() - t1);
  }
}
const base = median(cases[0].inference);
console.log(`onnxruntime-web ${ort.env.versions.web} WASM, 1 thread, Node ${process.version}; ${PHOTO} (640x480 tensor), ${runs} runs each, medians`);
for (const c of cases) {
  const run = median(c.inference);
  console.log(
    `${c.label.padEnd(30)} session.run ${run.toFixed(1).padStart(6)} ms (${(run / base).toFixed(2)}x the default)  ` +
      `decode+NMS ${median(c.decode).toFixed(2)} ms  faces ${c.faces}  (${(readFileSync(new URL(c.file, shared)).length / 1024).toFixed(0)} kB)`,
  );
  await c.engine.release();
}
