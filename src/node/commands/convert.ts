import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidInputError, ModelLoadError, UnsupportedModelError, type Size } from '../../core/index.ts';
import type { Command } from './command.ts';
import { convertMxnet, type MxnetSource } from '../../convert/mxnet/convert-mxnet.ts';
import { decodeOnnx, encodeOnnx } from '../../convert/onnx/onnx-io.ts';
import { describeOptimizeStats, optimizeModel } from '../../convert/passes/optimize.ts';
import { parseSize } from './args.ts';

const HELP = `Usage: retinaface-web convert --symbol X-symbol.json (--params X-0000.params | --synthetic-weights [--seed N])
                              --out model.onnx [--bgr] [--input-size WxH | --dynamic] [--fold-bn | --optimize]
                              [--input float32|rgba-u8]
       retinaface-web convert --optimize-onnx in.onnx --out model.onnx

Converts an insightface RetinaFace MXNet release (R50 or mnet.25) to ONNX, without Python or MXNet.
The model takes data [1,3,H,W] float32, raw pixel values 0..255, and returns the 9 outputs
face_rpn_{cls_prob_reshape,bbox_pred,landmark_pred}_stride{32,16,8}, as released.
With --optimize-onnx, runs the --optimize graph passes over an ONNX model instead (e.g. an export of another
RetinaFace): inputs and outputs keep their names and layout.

Options:
  --symbol <file>         the MXNet symbol JSON (X-symbol.json)
  --params <file>         the MXNet weights (X-0000.params)
  --synthetic-weights     no params: deterministic random weights (the real topology, for timing only;
                          the output name must contain "synthetic")
  --seed <n>              seed of the synthetic weights (default 1)
  --out <file>            the ONNX file to write
  --bgr                   take BGR input (the model card's converted model): the input channels are
                          reversed inside the first layer. Default: RGB, as insightface trained it
  --input-size WxH        fixed input size (e.g. 640x640, the model card's)
  --dynamic               dynamic height and width (the default)
  --fold-bn               fold the BatchNorms that follow a convolution into it
  --optimize              the faster graph with equal detections: BatchNorms folded, Relus moved before
                          Concats, two-class softmax heads made sigmoids, sibling convolutions merged
  --input <type>          float32 (default): data [1,3,H,W] float32; rgba-u8: rgba [1,H,W,4] uint8, the
                          frame's RGBA bytes (the graph picks the channels, alpha ignored, and casts)
  --optimize-onnx <file>  optimize an ONNX model (no --symbol/--params; other options do not apply)
  -h, --help              show this help`;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new ModelLoadError(`Cannot read the ${what} ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** Writes beside the target and renames, so an interrupted run never leaves a truncated model behind. */
async function writeModel(out: string, bytes: Uint8Array): Promise<void> {
  const partial = `${out}.partial`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, out);
  } catch (cause) {
    await rm(partial, { force: true });
    throw new InvalidInputError(`Cannot write ${out}: ${(cause as Error).message}`, { cause });
  }
}

const MXNET_ONLY = ['symbol', 'params', 'synthetic-weights', 'seed', 'bgr', 'input-size', 'dynamic', 'fold-bn', 'optimize', 'input'] as const;

/** `convert --optimize-onnx in.onnx --out out.onnx`: the graph passes over an existing ONNX model. */
async function optimizeOnnxFile(file: string, values: Record<string, unknown>): Promise<number> {
  const clash = MXNET_ONLY.find((k) => values[k] !== undefined);
  if (clash) throw new InvalidInputError(`--${clash} does not go with --optimize-onnx (it optimizes an ONNX model as it is).`);
  const out = values.out as string | undefined;
  if (!out) throw new InvalidInputError('--optimize-onnx needs --out <file>.');
  const t0 = performance.now();
  const model = decodeOnnx(new Uint8Array(await readInput(file, 'ONNX model')), file);
  const foreign = model.graph.nodes.find((n) => n.domain && n.domain !== 'ai.onnx');
  if (foreign) throw new UnsupportedModelError(`Node ${foreign.name} (${foreign.opType}) is in domain ${foreign.domain}; only standard ONNX ops can be optimized.`);
  const stats = optimizeModel(model);
  model.metadata = { ...model.metadata, 'retinaface-web.optimized': `${basename(file)}: ${describeOptimizeStats(stats)}` };
  const bytes = encodeOnnx(model);
  await writeModel(out, bytes);
  console.error(
    `wrote ${out} (${bytes.length.toLocaleString('en-US')} bytes) in ${Math.round(performance.now() - t0)} ms: ` +
      `${model.graph.nodes.length} nodes; ${describeOptimizeStats(stats)}.`,
  );
  return 0;
}

export const convertCommand: Command = {
  summary: 'convert an insightface MXNet RetinaFace (symbol + params) to ONNX',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        symbol: { type: 'string' },
        params: { type: 'string' },
        'synthetic-weights': { type: 'boolean' },
        seed: { type: 'string' },
        out: { type: 'string' },
        bgr: { type: 'boolean' },
        'input-size': { type: 'string' },
        dynamic: { type: 'boolean' },
        'fold-bn': { type: 'boolean' },
        optimize: { type: 'boolean' },
        input: { type: 'string' },
        'optimize-onnx': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length > 0) throw new InvalidInputError(`Unexpected argument "${positionals[0]}"; see --help.`);
    if (values['optimize-onnx'] !== undefined) return optimizeOnnxFile(values['optimize-onnx'], values);
    if (!values.symbol || !values.out) {
      console.error(HELP);
      return 2;
    }
    const synthetic = values['synthetic-weights'] ?? false;
    if (synthetic === (values.params !== undefined)) {
      throw new InvalidInputError('Give either --params <file> or --synthetic-weights (not both).');
    }
    if (values.seed !== undefined && !synthetic) throw new InvalidInputError('--seed goes with --synthetic-weights.');
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InvalidInputError(`--seed takes a whole number 0..4294967295; got "${values.seed}".`);
    if (synthetic && !/synthetic/i.test(basename(values.out))) {
      throw new InvalidInputError(
        `A model with synthetic weights is not a detector; its file name must say so: use a name containing "synthetic", ` +
          `e.g. ${basename(values.out).replace(/\.onnx$/i, '')}-synthetic.onnx.`,
      );
    }
    if (values['input-size'] && values.dynamic) throw new InvalidInputError('Give --input-size or --dynamic, not both.');
    if (values['fold-bn'] && values.optimize) throw new InvalidInputError('--optimize folds the BatchNorms itself; give one of --fold-bn and --optimize.');
    const input = values.input ?? 'float32';
    if (input !== 'float32' && input !== 'rgba-u8') throw new InvalidInputError(`--input takes float32 or rgba-u8; got "${input}".`);
    const inputSize: Size | null = values['input-size'] ? parseSize(values['input-size'], '--input-size') : null;

    const symbolBytes = await readInput(values.symbol, 'symbol file');
    const sources = [`${basename(values.symbol)} sha256:${sha256(symbolBytes)}`];
    let weights: MxnetSource['weights'];
    if (synthetic) {
      weights = { syntheticSeed: seed };
      sources.push(`synthetic weights, seed ${seed}`);
    } else {
      const params = await readInput(values.params!, 'params file');
      weights = { params: new Uint8Array(params.buffer, params.byteOffset, params.byteLength), paramsName: basename(values.params!) };
      sources.push(`${basename(values.params!)} sha256:${sha256(params)}`);
    }

    const t0 = performance.now();
    const { model, warnings, stats } = convertMxnet(
      { symbol: symbolBytes.toString('utf8'), symbolName: basename(values.symbol), weights },
      {
        channelOrder: values.bgr ? 'BGR' : 'RGB',
        inputSize,
        foldBatchNorm: values['fold-bn'] ?? false,
        optimize: values.optimize ?? false,
        input,
        metadata: { 'retinaface-web.source': sources.join('; ') },
      },
    );
    const bytes = encodeOnnx(model);
    await writeModel(values.out, bytes);
    for (const w of warnings) console.error(`warning: ${w}`);
    const modelInput = model.graph.inputs[0];
    console.error(
      `wrote ${values.out} (${bytes.length.toLocaleString('en-US')} bytes) in ${Math.round(performance.now() - t0)} ms: ` +
        `input ${modelInput.name} [${modelInput.shape!.join(',')}] ${input === 'rgba-u8' ? 'RGBA' : values.bgr ? 'BGR' : 'RGB'}, ` +
        `${model.graph.outputs.length} outputs, ${stats.nodes} nodes, ${stats.parameters.toLocaleString('en-US')} parameters` +
        (stats.optimized ? `; ${describeOptimizeStats(stats.optimized)}` : stats.foldedBatchNorms ? `, ${stats.foldedBatchNorms} BatchNorms folded` : '') +
        (stats.channelReversal === 'gather' ? ', channels reversed by a Gather on the input' : '') +
        (synthetic ? '. SYNTHETIC WEIGHTS: for timing only, not a face detector.' : '.'),
    );
    return 0;
  },
};
