import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertMxnet } from '../../../src/convert/mxnet/convert-mxnet.ts';
import { decodeOnnx, encodeOnnx } from '../../../src/convert/onnx/onnx-io.ts';
import {
  DataType,
  floatTensor,
  int64Tensor,
  intAttr,
  intsAttr,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from '../../../src/convert/onnx/onnx-model.ts';
import { pruneInitializers } from '../../../src/convert/passes/fold-bn.ts';
import { mergeSiblingConvs } from '../../../src/convert/passes/merge-sibling-convs.ts';
import { optimizeModel } from '../../../src/convert/passes/optimize.ts';
import { pairSoftmaxToSigmoid } from '../../../src/convert/passes/pair-softmax.ts';
import { moveReluBeforeConcat } from '../../../src/convert/passes/relu-through-concat.ts';
import { main } from '../../../src/node/cli.ts';
import { decodeImageFile } from '../../../src/node/image-file.ts';
import { hasSharedModels, maxDifference, mnetSource, quietly, run, session, SHARED_MODELS, SHARED_PHOTOS, type Outputs } from './fixtures.ts';

/** Deterministic weights in [-1, 1). */
function weights(name: string, dims: number[], seed: number): OnnxTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  let s = seed >>> 0;
  const values = new Float32Array(n).map(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
  return floatTensor(name, dims, values);
}

const conv = (name: string, input: string, kernel: number, output = name): OnnxNode => ({
  opType: 'Conv',
  name,
  inputs: [input, `${name}_w`, `${name}_b`],
  outputs: [output],
  attributes: [intsAttr('kernel_shape', [kernel, kernel]), intsAttr('pads', kernel === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0])],
});
const unary = (opType: string, input: string, output = `${input}_${opType.toLowerCase()}`): OnnxNode => ({ opType, name: output, inputs: [input], outputs: [output], attributes: [] });

/** A model on input x [1,3,8,8] with the given nodes; every Conv gets weights (filters, 3 input channels) and a bias. */
function model(nodes: OnnxNode[], filters: Record<string, number>, outputs: string[], opset = 13, extra: OnnxTensor[] = []): OnnxModel {
  const initializers = Object.entries(filters).flatMap(([name, f], i) => {
    const kernel = nodes.find((n) => n.name === name)!.attributes.find((a) => a.name === 'kernel_shape')!.value as number[];
    return [weights(`${name}_w`, [f, 3, ...kernel], 11 + i), weights(`${name}_b`, [f], 101 + i)];
  });
  return {
    irVersion: 7,
    opset,
    producerName: 'test',
    producerVersion: '',
    docString: '',
    metadata: {},
    graph: {
      name: 'g',
      nodes,
      initializers: [...initializers, ...extra],
      inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: [1, 3, 8, 8] }],
      outputs: outputs.map((name) => ({ name, elemType: DataType.FLOAT, shape: null })),
    },
  };
}

const pixels = new Float32Array(3 * 8 * 8).map((_, i) => ((i * 37) % 23) - 11);
const outputsOf = async (m: OnnxModel): Promise<Outputs> => run(await session(encodeOnnx(m)), pixels, 8, 8);
const ops = (m: OnnxModel) => m.graph.nodes.map((n) => n.opType);
const copy = (m: OnnxModel): OnnxModel => decodeOnnx(encodeOnnx(m));

describe('moving a Relu in front of a Concat', () => {
  it('gives each Concat input its own Relu (reusing one that is there) and the same values, bit for bit', async () => {
    const before = model(
      [conv('a', 'x', 3), conv('b', 'x', 1), unary('Relu', 'b'), { opType: 'Concat', name: 'cat', inputs: ['a', 'b_relu'], outputs: ['cat'], attributes: [intAttr('axis', 1)] }, unary('Relu', 'cat', 'out')],
      { a: 4, b: 2 },
      ['out'],
    );
    const after = copy(before);
    expect(moveReluBeforeConcat(after.graph)).toBe(1);
    expect(ops(after)).toEqual(['Conv', 'Conv', 'Relu', 'Relu', 'Concat']);
    expect(after.graph.nodes.find((n) => n.opType === 'Concat')).toMatchObject({ inputs: ['a_relu', 'b_relu'], outputs: ['out'] });
    expect(maxDifference(await outputsOf(before), await outputsOf(after))).toBe(0);
  });

  it('leaves a Concat alone when something else reads it too', () => {
    const m = model(
      [conv('a', 'x', 1), conv('b', 'x', 1), { opType: 'Concat', name: 'cat', inputs: ['a', 'b'], outputs: ['cat'], attributes: [intAttr('axis', 1)] }, unary('Relu', 'cat', 'out')],
      { a: 2, b: 2 },
      ['out', 'cat'],
    );
    expect(moveReluBeforeConcat(m.graph)).toBe(0);
  });
});

describe('merging sibling convolutions', () => {
  const siblings = () =>
    model(
      [
        conv('r1', 'x', 3),
        unary('Relu', 'r1'),
        conv('r2', 'x', 3),
        unary('Relu', 'r2'),
        conv('p1', 'x', 1),
        conv('p2', 'x', 1),
        conv('n3', 'x', 3), // 3x3 without an activation: not merged with the Relu ones
        conv('k5', 'x', 1, 'k5_out'),
        { opType: 'Add', name: 'use', inputs: ['k5_out', 'k5_out'], outputs: ['k5_twice'], attributes: [] },
      ],
      { r1: 4, r2: 2, p1: 3, p2: 5, n3: 2, k5: 1 },
      ['r1_relu', 'r2_relu', 'p1', 'p2', 'n3', 'k5_twice'],
    );

  it('merges by geometry and activation into Conv → activation → Split, with the same values, bit for bit', async () => {
    const before = siblings();
    const after = copy(before);
    // r1+r2 (3x3, Relu) and p1+p2+k5 (1x1, no activation: k5's output is read twice, so nothing fuses into it)
    expect(mergeSiblingConvs(after.graph, 13)).toBe(3);
    expect(ops(after).filter((o) => o === 'Conv')).toHaveLength(3); // r1+r2, p1+p2+k5, n3
    const splits = after.graph.nodes.filter((n) => n.opType === 'Split');
    expect(splits.map((s) => s.outputs)).toEqual([
      ['r1_relu', 'r2_relu'],
      ['p1', 'p2', 'k5_out'],
    ]);
    expect(after.graph.nodes.find((n) => n.outputs.includes(splits[0].inputs[0]))?.opType).toBe('Relu');
    expect(after.graph.nodes.find((n) => n.outputs.includes(splits[1].inputs[0]))?.opType).toBe('Conv');
    expect(maxDifference(await outputsOf(before), await outputsOf(after))).toBe(0);
  });

  it('writes Split sizes as an attribute before opset 13', async () => {
    const before = siblings();
    before.opset = 11;
    const after = copy(before);
    expect(mergeSiblingConvs(after.graph, 11)).toBe(3);
    const split = after.graph.nodes.find((n) => n.opType === 'Split')!;
    expect(split.inputs).toHaveLength(1);
    expect(split.attributes).toContainEqual({ name: 'split', type: 'ints', value: [4, 2] });
    expect(maxDifference(await outputsOf(before), await outputsOf(after))).toBe(0);
  });

  it('leaves convolutions with shared weights alone', () => {
    const m = model([conv('a', 'x', 1), { ...conv('b', 'x', 1), inputs: ['x', 'a_w', 'a_b'] }], { a: 2 }, ['a', 'b']);
    expect(mergeSiblingConvs(m.graph, 13)).toBe(0);
  });
});

describe('two-class softmax heads as sigmoids', () => {
  const head = (opset = 13) =>
    model(
      [
        conv('score', 'x', 1),
        { opType: 'Reshape', name: 'r1', inputs: ['score', 'to_pairs'], outputs: ['pairs'], attributes: [] },
        { opType: 'Softmax', name: 'sm', inputs: ['pairs'], outputs: ['prob'], attributes: [intAttr('axis', 1)] },
        { opType: 'Reshape', name: 'r2', inputs: ['prob', 'back'], outputs: ['out'], attributes: [] },
      ],
      { score: 4 },
      ['out'],
      opset,
      [int64Tensor('to_pairs', [0, 2, -1, 0]), int64Tensor('back', [0, 4, -1, 0])],
    );

  it('makes Conv → Sigmoid with weight differences: the softmax values within float rounding, output name kept', async () => {
    const before = head();
    const after = copy(before);
    expect(pairSoftmaxToSigmoid(after.graph, 13)).toBe(1);
    pruneInitializers(after.graph);
    expect(ops(after)).toEqual(['Conv', 'Sigmoid']);
    expect(after.graph.initializers.map((t) => t.name)).toEqual(['score_w', 'score_b']);
    expect(after.graph.nodes[1].outputs).toEqual(['out']);
    const [a, b] = [await outputsOf(before), await outputsOf(after)];
    expect(b.out.dims).toEqual([1, 4, 8, 8]);
    expect(maxDifference(a, b)).toBeLessThan(1e-6);
    expect(maxDifference(a, b)).toBeGreaterThan(0); // a different computation, not a copy
  });

  it('does nothing before opset 13, where Softmax(axis 1) normalizes over all later axes', () => {
    const m = head(11);
    expect(pairSoftmaxToSigmoid(m.graph, 11)).toBe(0);
  });

  it('does nothing when the reshapes do not pair channel c with c ± A', () => {
    const m = head();
    m.graph.initializers = m.graph.initializers.map((t) => (t.name === 'to_pairs' ? int64Tensor('to_pairs', [0, 4, -1, 0]) : t));
    expect(pairSoftmaxToSigmoid(m.graph, 13)).toBe(0);
  });
});

describe.skipIf(!hasSharedModels)('--optimize on the mnet.25 release', () => {
  let tensor: Float32Array;
  let width: number;
  let height: number;
  beforeAll(async () => {
    const image = await decodeImageFile(`${SHARED_PHOTOS}group-640x480.jpg`);
    [width, height] = [image.width, image.height];
    const plane = width * height;
    tensor = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) tensor[c * plane + i] = image.data[4 * i + 2 - c];
  });
  const outputs = async (m: OnnxModel) => run(await session(encodeOnnx(m)), tensor, width, height);

  it('runs every pass, keeps inputs and outputs, and equals the folded model (boxes and landmarks bit for bit, scores to 1e-6)', async () => {
    const plain = convertMxnet(mnetSource(), { channelOrder: 'BGR' });
    const folded = convertMxnet(mnetSource(), { channelOrder: 'BGR', foldBatchNorm: true });
    const optimized = convertMxnet(mnetSource(), { channelOrder: 'BGR', optimize: true });
    expect(optimized.stats.optimized).toEqual({ foldedBatchNorms: 47, movedRelus: 3, sigmoidHeads: 3, mergedConvs: 9 });
    expect(optimized.stats.nodes).toBeLessThan(folded.stats.nodes);
    expect(optimized.model.graph.inputs).toEqual(plain.model.graph.inputs);
    expect(optimized.model.graph.outputs).toEqual(plain.model.graph.outputs);
    expect(optimized.model.metadata['retinaface-web.optimized']).toMatch(/47 BatchNorms folded/);
    const [p, f, o] = [await outputs(plain.model), await outputs(folded.model), await outputs(optimized.model)];
    for (const name of Object.keys(f)) {
      const d = maxDifference({ [name]: f[name] }, { [name]: o[name] });
      if (name.includes('cls_prob')) expect(d, name).toBeLessThan(1e-6);
      else expect(d, name).toBe(0);
    }
    expect(maxDifference(p, o)).toBeLessThan(1e-4);
  });
});

describe.skipIf(!hasSharedModels)('convert --optimize-onnx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rfw-optimize-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const biubug6 = `${SHARED_MODELS}retinaface-mnet025-biubug6/retinaface-mnet025-biubug6.onnx`;

  it('optimizes the biubug6 export: merged heads, same inputs and outputs, the same values bit for bit', async () => {
    const out = join(dir, 'b.onnx');
    const log: string[] = [];
    expect(await quietly(() => main(['convert', '--optimize-onnx', biubug6, '--out', out]), log)).toBe(0);
    expect(log.join('\n')).toMatch(/3 Relus moved before Concats, 0 softmax heads made sigmoids, 6 convolutions merged/);
    const [a, b] = [decodeOnnx(new Uint8Array(readFileSync(biubug6))), decodeOnnx(new Uint8Array(readFileSync(out)))];
    const convs = (m: OnnxModel) => m.graph.nodes.filter((n) => n.opType === 'Conv').length;
    expect([convs(a), convs(b)]).toEqual([56, 50]); // the three heads of each level merged
    expect(b.graph.inputs).toEqual(a.graph.inputs);
    expect(b.graph.outputs).toEqual(a.graph.outputs);
    const x = new Float32Array(3 * 96 * 128).map((_, i) => ((i * 7919) % 255) - 117);
    expect(maxDifference(await run(await session(biubug6), x, 128, 96), await run(await session(out), x, 128, 96))).toBe(0);
  });

  it('refuses converter options that do not apply, and --fold-bn with --optimize, naming them', async () => {
    const fails = async (args: string[]) => {
      const log: string[] = [];
      expect(await quietly(() => main(['convert', ...args]), log)).toBe(1);
      return log.join('\n');
    };
    expect(await fails(['--optimize-onnx', biubug6, '--out', join(dir, 'x.onnx'), '--bgr'])).toMatch(/error: --bgr does not go with --optimize-onnx/);
    expect(await fails(['--optimize-onnx', biubug6])).toMatch(/error: --optimize-onnx needs --out/);
    expect(await fails(['--symbol', 's', '--params', 'p', '--out', 'o', '--fold-bn', '--optimize'])).toMatch(/error: --optimize folds the BatchNorms itself/);
    expect(await fails(['--symbol', 's', '--params', 'p', '--out', 'o', '--input', 'bgr-u8'])).toMatch(/error: --input takes float32 or rgba-u8; got "bgr-u8"/);
  });
});
