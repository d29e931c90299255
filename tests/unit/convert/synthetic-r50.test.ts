import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/node/cli.ts';
import { convertMxnet } from '../../../src/convert/mxnet/convert-mxnet.ts';
import { analyzeModel } from '../../../src/convert/model-info.ts';
import { decodeOnnx, encodeOnnx } from '../../../src/convert/onnx/onnx-io.ts';
import { hasSharedModels, quietly, R50_SYMBOL, run, session } from './fixtures.ts';

/** The model card's output shapes at 640x640 (with the real box name, spec §A.3). */
const CARD_SHAPES: Record<string, number[]> = Object.fromEntries(
  [
    [32, 20],
    [16, 40],
    [8, 80],
  ].flatMap(([s, n]) => [
    [`face_rpn_cls_prob_reshape_stride${s}`, [1, 4, n, n]],
    [`face_rpn_bbox_pred_stride${s}`, [1, 8, n, n]],
    [`face_rpn_landmark_pred_stride${s}`, [1, 20, n, n]],
  ]),
);

const synthetic = (seed: number, inputSize: { width: number; height: number } | null = { width: 640, height: 640 }) =>
  convertMxnet({ symbol: readFileSync(R50_SYMBOL, 'utf8'), symbolName: 'R50-symbol.json', weights: { syntheticSeed: seed } }, { inputSize });

describe.skipIf(!hasSharedModels)('the synthetic ResNet-50 (R50 topology, random weights)', () => {
  let bytes: Uint8Array;

  beforeAll(() => {
    bytes = encodeOnnx(synthetic(1).model);
  });

  it('is deterministic for a seed and says synthetic in its metadata', () => {
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(sha(encodeOnnx(synthetic(1).model))).toBe(sha(bytes));
    expect(sha(encodeOnnx(synthetic(2).model))).not.toBe(sha(bytes));
    const model = decodeOnnx(bytes);
    expect(model.metadata['retinaface-web.synthetic']).toBe('true');
    expect(model.metadata['retinaface-web.warning']).toMatch(/not a face detector/);
    expect(model.docString).toMatch(/synthetic weights, seed 1/);
  });

  it('loads in onnxruntime-web (WASM, Node) and gives the 9 outputs with the model card shapes at 640x640', async () => {
    const s = await session(bytes);
    expect(s.inputNames).toEqual(['data']);
    expect(s.outputNames).toEqual(Object.keys(CARD_SHAPES));
    const pixels = new Float32Array(3 * 640 * 640).map((_, i) => (i * 2654435761) % 256);
    const out = await run(s, pixels, 640, 640);
    await s.release();
    for (const [name, shape] of Object.entries(CARD_SHAPES)) {
      expect(out[name].dims, name).toEqual(shape);
      expect(out[name].data.every(Number.isFinite), `${name} finite`).toBe(true);
    }
    // Face scores (channels A..2A−1 of the score tensors) mostly low.
    let faces = 0;
    let high = 0;
    let sum = 0;
    for (const s of [32, 16, 8]) {
      const { data, dims } = out[`face_rpn_cls_prob_reshape_stride${s}`];
      const plane = dims[2] * dims[3];
      for (let i = 2 * plane; i < 4 * plane; i++, faces++) {
        sum += data[i];
        if (data[i] > 0.5) high++;
      }
    }
    expect(faces).toBe(16800);
    expect(sum / faces).toBeLessThan(0.1);
    expect(high / faces).toBeLessThan(0.01);
  });

  it('info reports its parameters and FLOPs, reconciled with the model card', () => {
    const info = analyzeModel(decodeOnnx(bytes), { width: 640, height: 640 });
    expect(info.synthetic).toBe(true);
    expect(info.family).toBe('insightface');
    expect(info.input).toMatchObject({ name: 'data', dims: [1, 3, 640, 640], layout: 'NCHW', fixed: true });
    expect(info.parameters).toBe(29_495_084); // as stored: 4 values per BatchNorm channel
    expect(info.openvino.parameters).toBe(29_427_558); // card: 29.4276 M
    expect(info.flops!.convMacs).toBe(50_207_129_600);
    expect(info.openvino.flops! / 1e9).toBeCloseTo(100.8478, 4); // card: 100.8478 GFLOPs
    expect(info.outputs.map((o) => o.dimsAtSize)).toEqual(Object.values(CARD_SHAPES));
  });

  it('folded: 53 BatchNorms go into convolutions; the 18 pre-activation ones stay, 2 values a channel above OpenVINO', () => {
    const { model, stats } = convertMxnet(
      { symbol: readFileSync(R50_SYMBOL, 'utf8'), symbolName: 'R50-symbol.json', weights: { syntheticSeed: 1 } },
      { foldBatchNorm: true },
    );
    expect(stats.foldedBatchNorms).toBe(53);
    const info = analyzeModel(model, { width: 640, height: 480 });
    expect(info.input.fixed).toBe(false);
    // 18 pre-activation BatchNorms (15,171 channels) stay, with 4 values a channel: 2 more than OpenVINO's scale-shift.
    expect(info.parameters - info.openvino.parameters).toBe(2 * 15_171);
    expect(info.openvino.parameters).toBe(29_427_558);
    expect(info.flops!.size).toEqual({ width: 640, height: 480 });
    expect(info.outputs[1].dimsAtSize).toEqual([1, 8, 15, 20]);
  });

  it('the CLI requires a name that says synthetic', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rfw-synth-'));
    try {
      const lines: string[] = [];
      const refused = await quietly(() => main(['convert', '--symbol', R50_SYMBOL, '--synthetic-weights', '--out', join(dir, 'r50.onnx')]), lines);
      expect(refused).toBe(1);
      expect(lines.join('\n')).toMatch(/file name must say so: use a name containing "synthetic", e\.g\. r50-synthetic\.onnx/);
      const out = join(dir, 'r50-synthetic.onnx');
      expect(await quietly(() => main(['convert', '--symbol', R50_SYMBOL, '--synthetic-weights', '--seed', '1', '--input-size', '640x640', '--out', out]))).toBe(0);
      const info: string[] = [];
      expect(await quietly(() => main(['info', out, '--size', '640x640']), info)).toBe(0);
      const text = info.join('\n');
      expect(text).toMatch(/SYNTHETIC WEIGHTS/);
      expect(text).toMatch(/parameters\s+29,495,084/);
      expect(text).toMatch(/29,427,558 parameters \(29\.4276 M\), 100\.8478 GFLOPs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
