import { describe, expect, it } from 'vitest';
import { UnsupportedModelError } from '../../../src/core/index.ts';
import { convertMxnet } from '../../../src/convert/mxnet/convert-mxnet.ts';
import { writeMxnetParams } from '../../../src/convert/mxnet/mxnet-params.ts';
import { attrTuple, parseMxnetSymbol } from '../../../src/convert/mxnet/mxnet-symbol.ts';
import { encodeOnnx } from '../../../src/convert/onnx/onnx-io.ts';
import { tensorFloats } from '../../../src/convert/onnx/onnx-model.ts';
import { maxDifference, run, session } from './fixtures.ts';

type Attrs = Record<string, string>;

/** Builds a small MXNet symbol: ops in order, each reading the previous one (or named inputs), with its weights. */
function symbol(ops: { op: string; name: string; attrs?: Attrs; inputs?: string[]; params?: string[] }[]): string {
  const nodes: { op: string; name: string; attrs?: Attrs; inputs: number[][] }[] = [{ op: 'null', name: 'data', inputs: [] }];
  const index = new Map([['data', 0]]);
  let previous = 'data';
  for (const o of ops) {
    const inputs = (o.inputs ?? [previous]).map((n) => [index.get(n)!, 0, 0]);
    for (const p of o.params ?? []) {
      index.set(`${o.name}_${p}`, nodes.length);
      inputs.push([nodes.length, 0, 0]);
      nodes.push({ op: 'null', name: `${o.name}_${p}`, inputs: [] });
    }
    index.set(o.name, nodes.length);
    nodes.push({ op: o.op, name: o.name, attrs: o.attrs, inputs });
    previous = o.name;
  }
  return JSON.stringify({ nodes, arg_nodes: [], heads: [[nodes.length - 1, 0, 0]], attrs: { mxnet_version: ['int', 10300] } });
}

const BN = ['gamma', 'beta', 'moving_mean', 'moving_var'];

describe('symbol attributes', () => {
  it('reads MXNet tuples in their spellings', () => {
    const node = { index: 0, op: 'x', name: 'x', inputs: [], attrs: { a: '(8L, 3L, 3L, 3L)', b: '(1,1)', c: '[2, 2]', d: '()' } };
    expect(attrTuple(node, 'a')).toEqual([8, 3, 3, 3]);
    expect(attrTuple(node, 'b')).toEqual([1, 1]);
    expect(attrTuple(node, 'c')).toEqual([2, 2]);
    expect(attrTuple(node, 'd')).toEqual([]);
  });

  it('accepts the old "param" and "attr" keys of MXNet < 1.0', () => {
    const text = JSON.stringify({
      nodes: [
        { op: 'null', name: 'data', inputs: [] },
        { op: 'Activation', name: 'act', param: { act_type: 'relu' }, attr: { note: 'x' }, inputs: [[0, 0]] },
      ],
      heads: [[1, 0]],
    });
    expect(parseMxnetSymbol(text).nodes[1].attrs).toEqual({ act_type: 'relu', note: 'x' });
  });
});

describe('reversing the input channels (--bgr)', () => {
  it('moves the flip into the first convolution, through a BatchNorm before it (R50 bn_data)', async () => {
    const text = symbol([
      { op: 'BatchNorm', name: 'bn_data', attrs: { fix_gamma: 'True', eps: '2e-05' }, params: BN },
      { op: 'Convolution', name: 'conv0', attrs: { kernel: '(3,3)', pad: '(1,1)', num_filter: '4', no_bias: 'True' }, params: ['weight'] },
    ]);
    const source = { symbol: text, symbolName: 'tiny-symbol.json', weights: { syntheticSeed: 7 } };
    const rgb = convertMxnet(source);
    const bgr = convertMxnet(source, { channelOrder: 'BGR' });
    expect(bgr.stats.channelReversal).toBe('weights');
    expect(bgr.model.graph.nodes.map((n) => n.opType)).toEqual(['BatchNormalization', 'Conv']);
    // bn_data's statistics are per channel: reversed with the channels.
    const variance = (m: typeof rgb.model) => Array.from(tensorFloats(m.graph.initializers.find((t) => t.name === 'bn_data_moving_var')!));
    expect(variance(bgr.model)).toEqual(variance(rgb.model).reverse());
    const pixels = new Float32Array(3 * 16 * 16).map((_, i) => (i * 37) % 256);
    const swapped = pixels.slice();
    swapped.set(pixels.subarray(512, 768), 0);
    swapped.set(pixels.subarray(0, 256), 512);
    const a = await run(await session(encodeOnnx(rgb.model)), pixels, 16, 16);
    const b = await run(await session(encodeOnnx(bgr.model)), swapped, 16, 16);
    expect(maxDifference(a, b)).toBeLessThan(1e-5); // the same products, summed in another order
  });

  it('falls back to a Gather on the input when the input meets no weights first', async () => {
    const text = symbol([
      { op: 'Pooling', name: 'pool', attrs: { kernel: '(2,2)', stride: '(2,2)', pool_type: 'avg', pooling_convention: 'full' } },
      { op: 'Convolution', name: 'conv', attrs: { kernel: '(1,1)', num_filter: '2' }, params: ['weight', 'bias'] },
    ]);
    const source = { symbol: text, symbolName: 'tiny-symbol.json', weights: { syntheticSeed: 3 } };
    const bgr = convertMxnet(source, { channelOrder: 'BGR' });
    expect(bgr.stats.channelReversal).toBe('gather');
    expect(bgr.model.graph.nodes[0].opType).toBe('Gather');
    const pixels = new Float32Array(3 * 15 * 15).map((_, i) => (i * 53) % 256);
    const swapped = new Float32Array(pixels.length);
    for (let c = 0; c < 3; c++) swapped.set(pixels.subarray(c * 225, (c + 1) * 225), (2 - c) * 225);
    const a = await run(await session(encodeOnnx(convertMxnet(source).model)), pixels, 15, 15);
    const b = await run(await session(encodeOnnx(bgr.model)), swapped, 15, 15);
    expect(a.conv.dims).toEqual([1, 2, 8, 8]); // 'full' pooling convention: ceil
    expect(maxDifference(a, b)).toBe(0);
  });
});

describe('BatchNorm details', () => {
  const text = symbol([
    { op: 'Convolution', name: 'conv', attrs: { kernel: '(1,1)', num_filter: '2', no_bias: 'True' }, params: ['weight'] },
    { op: 'BatchNorm', name: 'bn', params: BN }, // MXNet defaults: fix_gamma True, eps 1e-3
  ]);
  const params = (statNames: 'moving' | 'running', gamma: number) =>
    writeMxnetParams([
      { key: 'arg:conv_weight', shape: [2, 3, 1, 1], data: Float32Array.from([1, 0, 0, 0, 1, 0]) },
      { key: 'arg:bn_gamma', shape: [2], data: Float32Array.from([gamma, gamma]) },
      { key: 'arg:bn_beta', shape: [2], data: Float32Array.from([0.5, -0.5]) },
      { key: `aux:bn_${statNames}_mean`, shape: [2], data: Float32Array.from([1, 2]) },
      { key: `aux:bn_${statNames}_var`, shape: [2], data: Float32Array.from([4, 9]) },
    ]);
  const convert = (p: Uint8Array, foldBatchNorm = false) =>
    convertMxnet({ symbol: text, symbolName: 't', weights: { params: p, paramsName: 'p' } }, { foldBatchNorm });

  it('finds statistics stored as running_* for a symbol that says moving_* (the mnet.25 quirk)', () => {
    const init = (p: Uint8Array) => convert(p).model.graph.initializers.map((t) => [t.name, Array.from(tensorFloats(t))]);
    expect(init(params('running', 1))).toEqual(init(params('moving', 1)));
  });

  it('uses gamma 1 when fix_gamma is on (the default), whatever the params hold, and MXNet’s default eps', async () => {
    const { model } = convert(params('moving', 5));
    expect(Array.from(tensorFloats(model.graph.initializers.find((t) => t.name === 'bn_gamma')!))).toEqual([1, 1]);
    const bn = model.graph.nodes.find((n) => n.opType === 'BatchNormalization')!;
    expect(bn.attributes).toEqual([{ name: 'epsilon', type: 'float', value: 1e-3 }]);
    const out = await run(await session(encodeOnnx(model)), Float32Array.from([3, 3, 7, 7, 0, 0]), 1, 2);
    // The 1x1 convolution passes channels 0 and 1 through: [3,3] and [7,7]; then (x − mean) / sqrt(var + 1e-3) · 1 + beta.
    const expected = [(3 - 1) / Math.sqrt(4.001) + 0.5, (3 - 1) / Math.sqrt(4.001) + 0.5, (7 - 2) / Math.sqrt(9.001) - 0.5, (7 - 2) / Math.sqrt(9.001) - 0.5];
    Array.from(out.bn.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });

  it('folding gives a biased convolution with the same outputs', async () => {
    const plain = convert(params('moving', 1));
    const folded = convert(params('moving', 1), true);
    expect(folded.model.graph.nodes.map((n) => n.opType)).toEqual(['Conv']);
    expect(folded.model.graph.nodes[0].inputs).toEqual(['data', 'conv_weight', 'conv_bias']);
    expect(folded.model.graph.outputs[0].name).toBe('bn');
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const a = await run(await session(encodeOnnx(plain.model)), x, 1, 2);
    const b = await run(await session(encodeOnnx(folded.model)), x, 1, 2);
    expect(maxDifference(a, b)).toBeLessThan(1e-6);
  });
});

describe('unsupported forms are named', () => {
  const attempt = (ops: Parameters<typeof symbol>[0]) => () => convertMxnet({ symbol: symbol(ops), symbolName: 't', weights: { syntheticSeed: 1 } });

  it('Reshape with special values, Crop with center_crop, a grouped conv that does not divide', () => {
    expect(attempt([{ op: 'Reshape', name: 'r', attrs: { shape: '(-3, 0, 0)' } }])).toThrow(/Node r \(Reshape\): the special shape values/);
    expect(
      attempt([
        { op: 'Pooling', name: 'p', attrs: { kernel: '(1,1)', pool_type: 'max' } },
        { op: 'Crop', name: 'c', attrs: { num_args: '2', center_crop: 'True' }, inputs: ['p', 'data'] },
      ]),
    ).toThrow(/Node c \(Crop\): center_crop=True is not supported/);
    expect(attempt([{ op: 'Convolution', name: 'g', attrs: { kernel: '(1,1)', num_filter: '4', num_group: '2', no_bias: 'True' }, params: ['weight'] }])).toThrow(
      UnsupportedModelError,
    );
    expect(attempt([{ op: 'Activation', name: 'a', attrs: { act_type: 'selu' } }])).toThrow(/act_type "selu"/);
  });
});
