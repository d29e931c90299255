import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/node/cli.ts';
import { analyzeModel, formatModelInfo } from '../../../src/convert/model-info.ts';
import { decodeOnnx, encodeOnnx } from '../../../src/convert/onnx/onnx-io.ts';
import { tensorFloats } from '../../../src/convert/onnx/onnx-model.ts';
import { tinyClassifierOnnx } from '../../support/synthetic.ts';
import { convertToBytes, hasSharedModels, MNET, mnetSource, quietly, run, session, SHARED_MODELS } from './fixtures.ts';

const load = (path: string) => decodeOnnx(new Uint8Array(readFileSync(path)), path);

describe.skipIf(!hasSharedModels)('reading ONNX and describing models (info)', () => {
  it('round-trips a model through the reader and the writer (onnxruntime gives the same outputs)', async () => {
    const path = `${MNET}retinaface-mnet025.onnx`;
    const model = load(path);
    expect(model).toMatchObject({ irVersion: 7, opset: 13, producerName: 'mx2onnx-research' });
    expect(model.graph.nodes.length).toBe(166);
    const again = decodeOnnx(encodeOnnx(model));
    expect(again.graph.nodes).toEqual(model.graph.nodes);
    expect(again.graph.inputs).toEqual(model.graph.inputs);
    expect(again.graph.outputs).toEqual(model.graph.outputs);
    expect(Array.from(tensorFloats(again.graph.initializers[0]))).toEqual(Array.from(tensorFloats(model.graph.initializers[0])));
    const x = new Float32Array(3 * 64 * 96).map((_, i) => i % 256);
    const a = await run(await session(path), x, 96, 64);
    const b = await run(await session(encodeOnnx(model)), x, 96, 64);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const k of Object.keys(a)) expect(Array.from(b[k].data)).toEqual(Array.from(a[k].data));
  });

  it('describes the default model: family, input, outputs at a size (as onnxruntime computes them), parameters', async () => {
    const bytes = convertToBytes(mnetSource(), { channelOrder: 'BGR' });
    const info = analyzeModel(decodeOnnx(bytes), { width: 650, height: 470 });
    expect(info.family).toBe('insightface');
    expect(info.synthetic).toBe(false);
    expect(info.channelOrder).toBe('BGR');
    expect(info.input).toMatchObject({ name: 'data', dims: [1, 3, 'height', 'width'], layout: 'NCHW', fixed: false });
    const actual = await run(await session(bytes), new Float32Array(3 * 650 * 470), 650, 470);
    expect(info.outputs.map((o) => [o.name, o.dimsAtSize])).toEqual(Object.entries(actual).map(([name, t]) => [name, t.dims]));
    expect(info.parameters).toBe(433_904);
    expect(info.foldableBatchNorms).toBe(47);
    // BatchNorms folded, as OpenVINO does: the same count as biubug6's MobileNet-0.25 (same architecture).
    expect(info.openvino.parameters).toBe(423_264);
    const folded = analyzeModel(decodeOnnx(convertToBytes(mnetSource(), { foldBatchNorm: true })), { width: 650, height: 470 });
    expect(folded.parameters).toBe(423_264);
    expect(folded.flops!.total).toBe(info.openvino.flops);
  });

  it('recognizes the biubug6 and yunet families, and says why a classifier is none', () => {
    const biubug6 = analyzeModel(load(`${SHARED_MODELS}retinaface-mnet025-biubug6/retinaface-mnet025-biubug6.onnx`), { width: 640, height: 480 });
    expect(biubug6.family).toBe('biubug6');
    expect(biubug6.outputs.map((o) => o.dimsAtSize)).toEqual([[1, 12600, 4], [1, 12600, 2], [1, 12600, 10]]);
    expect(biubug6.parameters).toBe(423_264);
    const yunet = analyzeModel(load(`${SHARED_MODELS}yunet/face_detection_yunet_2026may.onnx`));
    expect(yunet.family).toBe('yunet');
    expect(yunet.familyNote).toBeUndefined();
    expect(yunet.flops?.size).toEqual({ width: 640, height: 640 });
    const classifier = analyzeModel(decodeOnnx(tinyClassifierOnnx()));
    expect(classifier.family).toBeNull();
    expect(classifier.familyNote).toMatch(/Not a face model .*found 1 outputs: logits \[1,3\]/);
  });

  it('a fixed-size model is analysed at its own size, with a note when another was asked for', () => {
    const info = analyzeModel(load(`${MNET}retinaface-mnet025-640.onnx`), { width: 640, height: 480 });
    expect(info.input.fixed).toBe(true);
    expect(info.flops!.size).toEqual({ width: 640, height: 640 });
    expect(info.sizeNote).toMatch(/fixed at 640x640/);
    expect(formatModelInfo(info, 'x.onnx')).toMatch(/note {8}the input is fixed at 640x640/);
  });

  it('the info command prints text or JSON, and rejects a file that is not ONNX', async () => {
    const lines: string[] = [];
    expect(await quietly(() => main(['info', `${MNET}retinaface-mnet025.onnx`, '--size', '640x480', '--json']), lines)).toBe(0);
    const json = JSON.parse(lines.join('\n'));
    expect(json).toMatchObject({ family: 'insightface', parameters: 433_904, flops: { size: { width: 640, height: 480 } } });
    const errors: string[] = [];
    expect(await quietly(() => main(['info', `${MNET}mnet.25-symbol.json`]), errors)).toBe(1);
    expect(errors.join('\n')).toMatch(/^error: .*mnet\.25-symbol\.json is not a readable ONNX model/);
  });
});
