import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { InvalidInputError, ModelLoadError } from '../../core/index.ts';
import type { Command } from './command.ts';
import { analyzeModel, formatModelInfo } from '../../convert/model-info.ts';
import { decodeOnnx } from '../../convert/onnx/onnx-io.ts';
import { parseSize } from './args.ts';

const HELP = `Usage: retinaface-web info <model.onnx> [--size WxH] [--json]

Describes an ONNX model: family, input (name, layout, fixed or dynamic dims), outputs, parameter count and
FLOPs at one input size, counted by OpenVINO Model Analyzer's rule (that of the model card's GFLOPs), also
as OpenVINO counts after folding BatchNorms into the convolutions before them.

Options:
  --size WxH    input size for output dims and FLOPs (default: the model's fixed size, else 640x640)
  --json        print the report as JSON
  -h, --help    show this help`;

export const infoCommand: Command = {
  summary: 'describe an ONNX model: family, input, outputs, parameters, FLOPs',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { size: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length !== 1) {
      console.error(HELP);
      return 2;
    }
    const [file] = positionals;
    const size = values.size ? parseSize(values.size, '--size') : undefined;
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (cause) {
      throw new ModelLoadError(`Cannot read ${file}: ${(cause as Error).message}`, { cause });
    }
    if (bytes.length === 0) throw new InvalidInputError(`${file} is empty.`);
    const info = analyzeModel(decodeOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file), size);
    console.log(values.json ? JSON.stringify({ file, ...info }, null, 2) : formatModelInfo(info, file));
    return 0;
  },
};
