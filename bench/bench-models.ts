// The models the benchmarks time, built once into .cache/bench/ (ignored by git): the ResNet-50 topology with
// synthetic weights (timing only; it detects nothing) and the mnet.25 release with and without --fold-bn.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { convertMxnet, CONVERTER_VERSION, type MxnetSource } from '../src/convert/mxnet/convert-mxnet.ts';
import { encodeOnnx } from '../src/convert/onnx/onnx-io.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
export const shared = `${root}../shared/models/`;
export const cache = `${root}.cache/bench/`;

export interface ModelCase {
  id: string;
  label: string;
  file: string;
  build: () => Uint8Array;
}

export const mnet = (): MxnetSource => ({
  symbol: readFileSync(`${shared}retinaface-mnet025/mnet.25-symbol.json`, 'utf8'),
  symbolName: 'mnet.25-symbol.json',
  weights: { params: new Uint8Array(readFileSync(`${shared}retinaface-mnet025/mnet.25-0000.params`)), paramsName: 'mnet.25-0000.params' },
});

export const MODELS: ModelCase[] = [
  {
    id: 'r50',
    label: 'ResNet-50 (synthetic weights)',
    file: `r50-synthetic-seed1-v${CONVERTER_VERSION}.onnx`,
    build: () =>
      encodeOnnx(
        convertMxnet(
          { symbol: readFileSync(`${shared}retinaface-r50/R50-symbol.json`, 'utf8'), symbolName: 'R50-symbol.json', weights: { syntheticSeed: 1 } },
          { channelOrder: 'BGR' },
        ).model,
      ),
  },
  { id: 'mnet', label: 'mnet.25', file: `mnet025-v${CONVERTER_VERSION}.onnx`, build: () => encodeOnnx(convertMxnet(mnet(), { channelOrder: 'BGR' }).model) },
  {
    id: 'mnet-folded',
    label: 'mnet.25 --fold-bn',
    file: `mnet025-folded-v${CONVERTER_VERSION}.onnx`,
    build: () => encodeOnnx(convertMxnet(mnet(), { channelOrder: 'BGR', foldBatchNorm: true }).model),
  },
];

export function ensureModels(models: readonly ModelCase[] = MODELS): void {
  mkdirSync(cache, { recursive: true });
  for (const m of models) {
    const path = cache + m.file;
    if (existsSync(path)) continue;
    const t0 = performance.now();
    const bytes = m.build();
    writeFileSync(`${path}.partial`, bytes);
    renameSync(`${path}.partial`, path);
    console.error(`built ${path} (${(bytes.length / 1e6).toFixed(1)} MB) in ${Math.round(performance.now() - t0)} ms`);
  }
}

