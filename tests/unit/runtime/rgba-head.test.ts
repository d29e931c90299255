import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeModel, ImagePacker, planGeometry, RgbaPacker, rgbaLength, tensorLength, type DescriptorOverrides, type ModelIO, type RgbaPixels } from '../../../src/core/index.ts';
import { decodeOnnx, encodeOnnx } from '../../../src/convert/onnx/onnx-io.ts';
import { DataType } from '../../../src/convert/onnx/onnx-model.ts';
import { findCatalogModel } from '../../../src/models/catalog.ts';
import { decodeImageFile } from '../../../src/node/image-file.ts';
import { FaceSession, sessionModelIO } from '../../../src/runtime/face-session.ts';
import { addRgbaHead, modelIOFromBytes, RGBA_HEAD_INPUT } from '../../../src/runtime/rgba-head.ts';
import { ort } from '../../support/engine.ts';
import { MODELS, PHOTOS, PROJECT_ROOT } from '../../support/paths.ts';

const catalogFile = (id: string) => join(PROJECT_ROOT, 'public/models', findCatalogModel(id)!.file);

/** Every model family and channel order the catalog and ../shared hold, as files. */
const MODEL_FILES: [label: string, path: string, overrides?: DescriptorOverrides][] = [
  ['the default (insightface, optimized, BGR)', catalogFile('retinaface-mnet025')],
  ['the exact build (insightface, BGR)', catalogFile('retinaface-mnet025-exact')],
  ['insightface, RGB weights', MODELS.insightfaceRgb],
  ['biubug6 (BGR, mean 104/117/123)', MODELS.biubug6],
  ['biubug6, fixed 640x640', MODELS.biubug6Fixed640],
  ['YuNet', MODELS.yunet],
  // Not a model anyone ships: a mean and std of every kind the head handles (Sub and Div), on real weights.
  ['the default with mean 10/20/30 and std 2/0.5/0.75', catalogFile('retinaface-mnet025'), { mean: [10, 20, 30], std: [2, 0.5, 0.75] }],
];

/** The photo's top-left `width` x `height`, with its alpha set by `alpha(x, y)`. */
function crop(image: RgbaPixels, width: number, height: number, alpha: (x: number, y: number) => number = () => 255): RgbaPixels {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    data.set(image.data.subarray(y * image.width * 4, (y * image.width + width) * 4), y * width * 4);
    for (let x = 0; x < width; x++) data[(y * width + x) * 4 + 3] = alpha(x, y);
  }
  return { data, width, height };
}

type Outputs = Record<string, Float32Array>;

async function outputs(session: FaceSession, input: Float32Array | Uint8Array, g: ReturnType<typeof planGeometry>): Promise<Outputs> {
  const raw = await session.infer(input, g);
  return Object.fromEntries(Object.entries(raw).map(([name, t]) => [name, new Float32Array(t.data as Float32Array)]));
}

/** Output names whose values are not all bit-for-bit equal (NaN never occurs here). */
function differing(a: Outputs, b: Outputs): string[] {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  return Object.keys(a).filter((name) => a[name].length !== b[name].length || a[name].some((v, i) => !Object.is(v, b[name][i])));
}

// Issue 10: pre-processing where it is cheapest. On WASM the worker's sessions take the frame's bytes, and the
// model's own pre-processing runs at the head of its graph. The decode must stay exact: for every model, the
// session with the head returns the float session's outputs bit for bit (tolerance 0) on the tensor
// ImagePacker packs, at the native size, padded, mirrored and with transparent pixels.
describe('the RGBA head gives every model its float outputs, bit for bit', () => {
  let photo: RgbaPixels;
  beforeAll(async () => {
    photo = await decodeImageFile(join(PHOTOS, 'group-640x480.jpg'));
  });

  for (const [label, path, overrides] of MODEL_FILES) {
    describe(label, () => {
      let float: FaceSession;
      let rgba: FaceSession;
      beforeAll(async () => {
        const bytes = new Uint8Array(readFileSync(path));
        float = await FaceSession.load(ort, bytes, { descriptor: overrides });
        rgba = await FaceSession.load(ort, bytes, { descriptor: overrides, rgbaInput: true });
      });
      afterAll(async () => {
        await float?.release();
        await rgba?.release();
      });

      // onnxruntime reports shapes after its own inference (a declared `c_0` may come back as 4), so the bytes'
      // shapes are not always its; the names are, and the description made from them is.
      it('reads the inputs and outputs from the bytes, and describes the model from them as from onnxruntime', () => {
        const io = modelIOFromBytes(new Uint8Array(readFileSync(path)))!;
        const names = (x: ModelIO) => [x.inputs.map((i) => i.name), x.outputs.map((o) => o.name)];
        expect(names(io)).toEqual(names(sessionModelIO(float.session)));
        expect(describeModel(io, overrides)).toEqual(float.descriptor);
      });

      it('takes RGBA bytes', () => {
        expect(float.input).toBe('float32');
        expect([rgba.input, rgba.rgbaObstacle]).toEqual(['rgba', null]);
        expect(rgba.session.inputNames).toEqual([RGBA_HEAD_INPUT]);
        expect(rgba.session.outputNames).toEqual(float.session.outputNames);
        expect(rgba.descriptor).toEqual(float.descriptor);
        expect(rgba.createPacker()).toBeInstanceOf(RgbaPacker);
      });

      // A fixed-size model's geometry scales the content to its input: the pixels are then cut at that size.
      const cases: [name: string, width: number, height: number, flip: boolean, alpha?: (x: number, y: number) => number][] = [
        ['640x480 as it is', 640, 480, false],
        ['301x203, padded', 301, 203, false],
        ['301x203, padded and mirrored', 301, 203, true],
        ['320x240 with transparent pixels', 320, 240, false, (x, y) => (x * 7 + y * 3) % 256],
      ];
      for (const [name, width, height, flip, alpha] of cases) {
        it(name, async () => {
          const g = planGeometry({ width, height }, float.descriptor.inputSize);
          const pixels = g.contentWidth === 640 && g.contentHeight === 480 && !alpha ? photo : crop(photo, g.contentWidth, g.contentHeight, alpha);
          if (!float.descriptor.inputSize) expect([g.inputWidth % 32, g.inputHeight % 32]).toEqual([0, 0]);
          const tensor = new ImagePacker(float.descriptor).pack(pixels, g, new Float32Array(tensorLength(g)), { flip });
          const packer = rgba.createPacker() as RgbaPacker;
          const bytes = packer.asIs(pixels, g, { flip }) ?? packer.pack(pixels, g, new Uint8Array(rgbaLength(g)), { flip });
          const [expected, got] = [await outputs(float, tensor, g), await outputs(rgba, bytes, g)];
          expect(differing(expected, got)).toEqual([]);
          // And so the faces: the same, in the same order, to the last bit.
          expect(rgba.decode(await rgba.infer(bytes, g), g, { scoreThreshold: 0.3 })).toEqual(float.decode(await float.infer(tensor, g), g, { scoreThreshold: 0.3 }));
        });
      }
    });
  }
});

describe('addRgbaHead', () => {
  const bytes = () => new Uint8Array(readFileSync(MODELS.biubug6));
  const normalization = { inputName: 'input', channelOrder: 'BGR', mean: [104, 117, 123], std: [1, 1, 1] } as const;

  it('puts Transpose, Slice, DequantizeLinear and Sub before the graph, and keeps the rest as it was', () => {
    const before = decodeOnnx(bytes());
    const after = decodeOnnx(addRgbaHead(bytes(), normalization).model!);
    expect(after.graph.nodes.slice(0, 4).map((n) => n.opType)).toEqual(['Transpose', 'Slice', 'DequantizeLinear', 'Sub']);
    expect(after.graph.nodes.slice(4)).toEqual(before.graph.nodes);
    expect(after.graph.nodes[3].outputs).toEqual(['input']);
    expect(after.graph.initializers.slice(7)).toEqual(before.graph.initializers);
    const [h, w] = before.graph.inputs[0].shape!.slice(2);
    expect(after.graph.inputs).toEqual([{ name: 'rgba', elemType: DataType.UINT8, shape: [1, h, w, 4] }]);
    expect(after.graph.outputs).toEqual(before.graph.outputs);
    expect({ ...after, graph: null }).toEqual({ ...before, graph: null });
  });

  it('names what stands in its way', () => {
    const reason = (b: Uint8Array, n: Parameters<typeof addRgbaHead>[1] = normalization) => addRgbaHead(b, n).reason;
    expect(reason(bytes(), { ...normalization, mean: [104.5, 117, 123] })).toMatch(/its mean \(104.5, 117, 123\) is not whole byte values/);
    expect(reason(bytes(), { ...normalization, mean: [-1, 0, 0] })).toMatch(/is not whole byte values/);
    expect(reason(bytes(), { ...normalization, std: [0.1, 1, 1] })).toMatch(/its std \(0.1, 1, 1\) is not float32 values/);
    expect(reason(bytes(), { ...normalization, inputName: 'data' })).toBe('it has no input data');
    expect(reason(bytes().subarray(0, 1000))).toMatch(/its bytes could not be read|holds 0 graph fields/);
    const model = decodeOnnx(bytes());
    expect(reason(encodeOnnx({ ...model, opset: 9 }))).toBe('its opset is 9; the head needs 10 or later');
    const [input] = model.graph.inputs;
    expect(reason(encodeOnnx({ ...model, graph: { ...model.graph, inputs: [{ ...input, elemType: DataType.UINT8 }] } }))).toBe('its input input is not float32 [1,3,H,W]');
    expect(reason(encodeOnnx({ ...model, graph: { ...model.graph, inputs: [{ ...input, shape: [1, 1, 64, 64] }] } }))).toBe('its input input is not float32 [1,3,H,W]');
    expect(reason(addRgbaHead(bytes(), normalization).model!)).toBe('it has no input input');
  });

  it('a model it cannot head stays a float session, and says why', async () => {
    const session = await FaceSession.load(ort, bytes(), { rgbaInput: true, descriptor: { mean: [104.5, 117, 123] } });
    try {
      expect([session.input, session.rgbaObstacle]).toEqual(['float32', 'its mean (104.5, 117, 123) is not whole byte values']);
      expect(session.createPacker()).toBeInstanceOf(ImagePacker);
    } finally {
      await session.release();
    }
  });
});
