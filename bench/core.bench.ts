// npm run bench:core — packing and decode+NMS cost on this machine. Prints figures; asserts nothing.
import * as ort from 'onnxruntime-web';
import { ImagePacker, planGeometry, tensorLength } from '../src/core/index.ts';
import { FaceSession } from '../src/runtime/face-session.ts';
import { decodeImageFile, fitImage } from '../src/node/image-file.ts';
import { readFile } from 'node:fs/promises';
import { measure, row } from './stats.ts';

const shared = new URL('../../shared/', import.meta.url);
const file = (p: string) => new URL(p, shared).pathname;

async function benchPacking(): Promise<void> {
  console.log('\nPacking a 640x480 RGBA frame into a BGR float32 NCHW tensor (target ≤ 1 ms)');
  const image = await decodeImageFile(file('testdata/photos/group-640x480.jpg'));
  const geometry = planGeometry(image, null);
  const descriptor = { channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] } as const;
  const packer = new ImagePacker(descriptor);
  const out = new Float32Array(tensorLength(geometry));
  console.log(row('ImagePacker.pack (reused buffer)', measure(() => packer.pack(image, geometry, out), 500)));
  // Tensor.fromImage(ImageData) needs a canvas, which Node lacks; this is the function it ends in.
  const { bufferToTensor } = await import('../node_modules/onnxruntime-common/dist/esm/tensor-factory-impl.js' as string);
  const options = { width: 640, height: 480, tensorFormat: 'BGR', tensorLayout: 'NCHW', norm: { mean: 1, bias: 0 } };
  console.log(row('baseline: Tensor.fromImage buffer path (allocates)', measure(() => bufferToTensor(image.data, options), 200)));
}

async function benchDecode(modelPath: string, label: string): Promise<void> {
  const engine = await FaceSession.load(ort, new Uint8Array(await readFile(file(modelPath))), { source: modelPath });
  // A crowded real image, letterboxed into 640x640: 16,800 anchors.
  const image = await decodeImageFile(file('testdata/photos/crowd-400.jpg'));
  const geometry = planGeometry(image, null, { inputSize: { width: 640, height: 640 } });
  const tensor = new ImagePacker(engine.descriptor).pack(await fitImage(image, geometry), geometry, new Float32Array(tensorLength(geometry)));
  const outputs = await engine.infer(tensor, geometry);
  for (const scoreThreshold of [0.5, 0.02]) {
    const faces = engine.decode(outputs, geometry, { scoreThreshold }).length;
    const target = scoreThreshold === 0.5 ? '≤ 0.3 ms' : '≤ 5 ms';
    console.log(row(`${label} decode+NMS @ ${scoreThreshold}`, measure(() => engine.decode(outputs, geometry, { scoreThreshold }), 300), `${faces} faces (target ${target})`));
  }
  await engine.release();
}

ort.env.wasm.numThreads = 1;
await benchPacking();
console.log('\nDecode + NMS at 640x640 (16,800 anchors) on real outputs (crowd-400.jpg letterboxed)');
await benchDecode('models/retinaface-mnet025/retinaface-mnet025.onnx', 'insightface mnet025');
await benchDecode('models/retinaface-mnet025-biubug6/retinaface-mnet025-biubug6.onnx', 'biubug6 mnet025');
