import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { convertMxnet, type ConvertOptions, type MxnetSource } from '../../../src/convert/mxnet/convert-mxnet.ts';
import { encodeOnnx } from '../../../src/convert/onnx/onnx-io.ts';

/** ../shared/models (read-only inputs beside the checkout). */
export const SHARED_MODELS = fileURLToPath(new URL('../../../../shared/models/', import.meta.url));
export const SHARED_PHOTOS = fileURLToPath(new URL('../../../../shared/testdata/photos/', import.meta.url));
export const MNET = `${SHARED_MODELS}retinaface-mnet025/`;
export const R50_SYMBOL = `${SHARED_MODELS}retinaface-r50/R50-symbol.json`;
export const hasSharedModels = existsSync(`${MNET}mnet.25-0000.params`) && existsSync(R50_SYMBOL);

export const mnetSymbol = () => readFileSync(`${MNET}mnet.25-symbol.json`, 'utf8');
export const mnetParams = () => new Uint8Array(readFileSync(`${MNET}mnet.25-0000.params`));

export function mnetSource(params: Uint8Array = mnetParams(), symbol = mnetSymbol()): MxnetSource {
  return { symbol, symbolName: 'mnet.25-symbol.json', weights: { params, paramsName: 'mnet.25-0000.params' } };
}

export function convertToBytes(source: MxnetSource, options: ConvertOptions = {}): Uint8Array {
  return encodeOnnx(convertMxnet(source, options).model);
}

ort.env.wasm.numThreads = 1;
export { ort };

export async function session(model: Uint8Array | string): Promise<ort.InferenceSession> {
  const bytes = typeof model === 'string' ? new Uint8Array(readFileSync(model)) : model;
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
}

export type Outputs = Record<string, { data: Float32Array; dims: readonly number[] }>;

export async function run(s: ort.InferenceSession, tensor: Float32Array, width: number, height: number): Promise<Outputs> {
  const result = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', tensor, [1, 3, height, width]) });
  const out: Outputs = {};
  for (const name of s.outputNames) out[name] = { data: result[name].data as Float32Array, dims: result[name].dims };
  return out;
}

/** Largest absolute difference between two sets of outputs (same names and dims required). */
export function maxDifference(a: Outputs, b: Outputs): number {
  let max = 0;
  for (const [name, x] of Object.entries(a)) {
    const y = b[name];
    if (!y || y.dims.join() !== x.dims.join()) throw new Error(`output ${name}: dims ${x.dims} vs ${y?.dims}`);
    for (let i = 0; i < x.data.length; i++) max = Math.max(max, Math.abs(x.data[i] - y.data[i]));
  }
  return max;
}

/** Runs `fn` with console output captured; returns its result and what it printed. */
export async function quietly<T>(fn: () => Promise<T>, sink: string[] = []): Promise<T> {
  const { log, error } = console;
  console.log = (...args: unknown[]) => void sink.push(args.join(' '));
  console.error = (...args: unknown[]) => void sink.push(args.join(' '));
  try {
    return await fn();
  } finally {
    console.log = log;
    console.error = error;
  }
}
