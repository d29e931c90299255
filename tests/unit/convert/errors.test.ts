import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelLoadError, UnsupportedModelError } from '../../../src/core/index.ts';
import { main } from '../../../src/node/cli.ts';
import { convertMxnet } from '../../../src/convert/mxnet/convert-mxnet.ts';
import { readMxnetParams, writeMxnetParams, NDARRAY_V2_MAGIC } from '../../../src/convert/mxnet/mxnet-params.ts';
import { hasSharedModels, MNET, mnetParams, mnetSource, mnetSymbol, quietly, R50_SYMBOL } from './fixtures.ts';

const convert = (params: Uint8Array, symbol = mnetSymbol()) => () => convertMxnet(mnetSource(params, symbol));

/** A small valid params file: two float32 arrays. */
function smallParams(version: 'v1' | 'v2' = 'v2'): Uint8Array {
  return writeMxnetParams(
    [
      { key: 'arg:w', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { key: 'aux:m', shape: [2], data: Float32Array.from([0.5, -0.5]) },
    ],
    version,
  );
}

describe('reading MXNet .params', () => {
  it('reads names, shapes, dtype and values, for both NDArray header versions', () => {
    for (const version of ['v1', 'v2'] as const) {
      const [w, m] = readMxnetParams(smallParams(version));
      expect(w).toMatchObject({ key: 'arg:w', kind: 'arg', name: 'w', shape: [2, 3], dtype: 'float32', version });
      expect(Array.from(w.data!)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(m).toMatchObject({ key: 'aux:m', kind: 'aux', name: 'm', shape: [2] });
    }
  });

  it('rejects a truncated file, naming where it ends', () => {
    const bytes = smallParams();
    expect(() => readMxnetParams(bytes.subarray(0, bytes.length - 10), 'x.params')).toThrow(/x\.params is not a valid MXNet \.params file: the file ends inside/);
    expect(() => readMxnetParams(bytes.subarray(0, 60), 'x.params')).toThrow(ModelLoadError);
  });

  it('rejects a wrong file header, a bad array header, sparse storage, missing names and trailing bytes', () => {
    const bytes = smallParams();
    const edit = (at: number, write: (v: DataView) => void) => {
      const copy = bytes.slice();
      write(new DataView(copy.buffer, at));
      return copy;
    };
    expect(() => readMxnetParams(edit(0, (v) => v.setUint32(0, 0x113, true)))).toThrow(/not the NDArray list magic 0x112/);
    expect(() => readMxnetParams(edit(24, (v) => v.setUint32(0, 0xdeadbeef, true)))).toThrow(/array #0 starts with 0xdeadbeef, which is no NDArray header/);
    expect(new DataView(bytes.buffer, 24).getUint32(0, true)).toBe(NDARRAY_V2_MAGIC);
    expect(() => readMxnetParams(edit(28, (v) => v.setInt32(0, 1, true)))).toThrow(/sparse storage/);
    const namesAt = bytes.length - (8 + 5) - (8 + 5) - 8; // count, then two names of 5 bytes
    expect(() => readMxnetParams(edit(namesAt, (v) => v.setUint32(0, 1, true)))).toThrow(/holds 2 arrays but 1 names/);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes);
    expect(() => readMxnetParams(padded)).toThrow(/3 unexpected bytes follow the last name/);
    expect(() => readMxnetParams(new TextEncoder().encode('{"nodes": [], "heads": []}'))).toThrow(/is this the symbol file\?/);
  });
});

describe.skipIf(!hasSharedModels)('conversion errors', () => {
  it('a corrupt params file is a ModelLoadError naming the problem', () => {
    const params = mnetParams();
    expect(convert(params.subarray(0, params.length / 2))).toThrow(ModelLoadError);
    expect(convert(params.subarray(0, params.length / 2))).toThrow(/mnet\.25-0000\.params is not a valid MXNet \.params file: the file ends inside/);
    const garbled = params.slice();
    garbled.fill(0x41, 24, 40); // the first array's header
    expect(convert(garbled)).toThrow(/not a valid MXNet \.params file: array #0 starts with 0x41414141/);
    // Values cannot be checked (the format has no checksum), except that weights must be finite.
    const nan = params.slice();
    nan.fill(0xff, 60, 64); // a NaN among the first array's values
    expect(convert(nan)).toThrow(/"arg:mobilenet0_batchnorm5_gamma" in mnet\.25-0000\.params holds 1 value\(s\) that are NaN or infinite: a corrupt file\?/);
  });

  it('params of another model: a missing array is named with the op that needs it', () => {
    const r50 = readFileSync(R50_SYMBOL, 'utf8');
    expect(convert(mnetParams(), r50)).toThrow(ModelLoadError);
    expect(convert(mnetParams(), r50)).toThrow(
      /has no array "bn_data_beta" \(the beta of BatchNorm bn_data, shape \[3\]\): the params and the symbol file do not belong to the same model/,
    );
  });

  it('params of another model: a shape mismatch names both shapes', () => {
    const arrays = readMxnetParams(mnetParams()).map((a) =>
      a.key === 'arg:mobilenet0_conv0_weight' ? { key: a.key, shape: [16, 3, 3, 3], data: new Float32Array(16 * 27) } : { key: a.key, shape: a.shape, data: a.data! },
    );
    expect(convert(writeMxnetParams(arrays))).toThrow(
      /"arg:mobilenet0_conv0_weight" in mnet\.25-0000\.params is \[16,3,3,3\], but the weight of Convolution mobilenet0_conv0 needs \[8,3,3,3\]/,
    );
  });

  it('extra arrays in the params are reported as a warning, not an error', () => {
    const arrays = readMxnetParams(mnetParams()).map((a) => ({ key: a.key, shape: a.shape, data: a.data! }));
    arrays.push({ key: 'arg:fc_extra_weight', shape: [2], data: new Float32Array(2) });
    const { warnings } = convertMxnet(mnetSource(writeMxnetParams(arrays)));
    expect(warnings).toEqual([expect.stringMatching(/1 array\(s\) in mnet\.25-0000\.params are not used by the symbol: arg:fc_extra_weight/)]);
  });

  it('an unknown op is an UnsupportedModelError naming the op and a node', () => {
    const symbol = JSON.parse(mnetSymbol());
    const node = symbol.nodes.find((n: { name: string }) => n.name === 'mobilenet0_relu3');
    node.op = 'LeakyReLU';
    node.attrs = { act_type: 'elu' };
    const text = JSON.stringify(symbol);
    expect(convert(mnetParams(), text)).toThrow(UnsupportedModelError);
    expect(convert(mnetParams(), text)).toThrow(/does not support: "LeakyReLU" \(node mobilenet0_relu3\)\. Supported: Convolution, BatchNorm/);
  });

  it('an unsupported attribute of a known op is named too', () => {
    const symbol = JSON.parse(mnetSymbol());
    symbol.nodes.find((n: { op: string }) => n.op === 'UpSampling').attrs.sample_type = 'bilinear';
    expect(convert(mnetParams(), JSON.stringify(symbol))).toThrow(/Node rf_c3_upsampling \(UpSampling\): sample_type "bilinear" \(only nearest\) is not supported/);
  });

  it('swapped files get a hint', () => {
    const params = mnetParams();
    expect(() => convertMxnet({ symbol: Buffer.from(params).toString('utf8'), symbolName: 'x.params', weights: { params, paramsName: 'x.params' } })).toThrow(
      /is this the \.params file\?/,
    );
    expect(convert(new TextEncoder().encode(mnetSymbol()))).toThrow(/is this the symbol file\?/);
  });

  it('the CLI prints these errors as one line and exits 1', async () => {
    const lines: string[] = [];
    const code = await quietly(
      () => main(['convert', '--symbol', R50_SYMBOL, '--params', `${MNET}mnet.25-0000.params`, '--out', '/tmp/rfw-never-written.onnx']),
      lines,
    );
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^error: mnet\.25-0000\.params has no array "bn_data_beta"/)]);
  });
});
