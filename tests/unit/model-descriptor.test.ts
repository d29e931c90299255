import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  UnsupportedModelError,
  biubug6Levels,
  describeModel,
  familyDecodeDefaults,
  insightFaceLevels,
  yunetLevels,
  type ModelIO,
} from '../../src/core/index.ts';
import { resolveDescriptorOverrides } from '../../src/options/resolve-options.ts';
import { NodeDetector } from '../../src/node/node-detector.ts';
import { compareFaceSets, corners } from '../support/faces.ts';
import { modelIO } from '../support/engine.ts';
import { MODELS, PHOTOS } from '../support/paths.ts';
import { tinyClassifierOnnx } from '../support/synthetic.ts';
import { thrown } from '../support/thrown.ts';

const io: Record<keyof typeof MODELS, ModelIO> = {} as never;
let classifier: ModelIO;

beforeAll(async () => {
  for (const key of Object.keys(MODELS) as (keyof typeof MODELS)[]) io[key] = await modelIO(MODELS[key]);
  classifier = await modelIO(tinyClassifierOnnx());
});

describe('describeModel on real sessions of every model in ../shared/models', () => {
  it('default retinaface-mnet025.onnx: insightface, dynamic, BGR raw 0..255, landmark std 1, released names', () => {
    const d = describeModel(io.insightface);
    expect(d).toEqual({
      family: 'insightface',
      inputName: 'data',
      inputSize: null,
      channelOrder: 'BGR',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      landmarkStd: 1,
      levels: insightFaceLevels(),
    });
    expect(insightFaceLevels().map((l) => [l.stride, l.scales, l.boxesOutput])).toEqual([
      [32, [32, 16], 'face_rpn_bbox_pred_stride32'],
      [16, [8, 4], 'face_rpn_bbox_pred_stride16'],
      [8, [2, 1], 'face_rpn_bbox_pred_stride8'],
    ]);
  });

  it('retinaface-mnet025-640.onnx: insightface, fixed 640x640', () => {
    const d = describeModel(io.insightface640);
    expect(d.family).toBe('insightface');
    expect(d.inputSize).toEqual({ width: 640, height: 640 });
    expect(d.inputName).toBe('data');
  });

  it('retinaface-mnet025-rgb.onnx: insightface (its channel order cannot be seen; BGR unless overridden)', () => {
    expect(describeModel(io.insightfaceRgb).channelOrder).toBe('BGR');
    expect(describeModel(io.insightfaceRgb, { channelOrder: 'RGB' }).channelOrder).toBe('RGB');
  });

  it('retinaface-mnet025-biubug6.onnx: biubug6, dynamic, BGR minus (104,117,123), loc/conf/landms', () => {
    expect(describeModel(io.biubug6)).toEqual({
      family: 'biubug6',
      inputName: 'input',
      inputSize: null,
      channelOrder: 'BGR',
      mean: [104, 117, 123],
      std: [1, 1, 1],
      levels: biubug6Levels(),
      variance: [0.1, 0.2],
      outputs: { boxes: 'loc', scores: 'conf', landmarks: 'landms' },
    });
  });

  it('FaceDetector-640.onnx: numeric output names identified by last dims 4/2/10', () => {
    expect(io.biubug6Fixed640.outputs.map((o) => o.name)).toEqual(['output0', '593', '592']);
    const d = describeModel(io.biubug6Fixed640);
    expect(d.family).toBe('biubug6');
    expect(d.inputName).toBe('input0');
    expect(d.inputSize).toEqual({ width: 640, height: 640 });
    if (d.family !== 'biubug6') return;
    expect(d.outputs).toEqual({ boxes: 'output0', scores: '593', landmarks: '592' });
  });

  it('face_detection_yunet_2026may.onnx: yunet, dynamic, BGR raw 0..255, OpenCV\'s 12 outputs, top_k 5000, defaults 0.9 / 0.3', () => {
    expect(describeModel(io.yunet)).toEqual({
      family: 'yunet',
      inputName: 'input',
      inputSize: null,
      channelOrder: 'BGR',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      levels: yunetLevels(),
      topK: 5000,
      decodeDefaults: { scoreThreshold: 0.9, iouThreshold: 0.3 },
    });
    expect(yunetLevels().map((l) => [l.stride, l.clsOutput, l.objOutput, l.bboxOutput, l.kpsOutput])).toEqual([
      [8, 'cls_8', 'obj_8', 'bbox_8', 'kps_8'],
      [16, 'cls_16', 'obj_16', 'bbox_16', 'kps_16'],
      [32, 'cls_32', 'obj_32', 'bbox_32', 'kps_32'],
    ]);
    // The RetinaFace models do not carry these: they use the library's 0.5 / 0.4.
    expect(familyDecodeDefaults(describeModel(io.yunet))).toEqual({ scoreThreshold: 0.9, iouThreshold: 0.3 });
    expect(familyDecodeDefaults(describeModel(io.insightface))).toEqual({ scoreThreshold: 0.5, iouThreshold: 0.4 });
    expect(familyDecodeDefaults(describeModel(io.biubug6))).toEqual({ scoreThreshold: 0.5, iouThreshold: 0.4 });
  });

  it('a model that is no face detector (a tiny classifier): UnsupportedModelError listing what was found and what was expected', () => {
    const e = thrown(() => describeModel(classifier));
    expect(e).toBeInstanceOf(UnsupportedModelError);
    expect((e as UnsupportedModelError).code).toBe('UNSUPPORTED_MODEL');
    expect(e.name).toBe('UnsupportedModelError');
    // What was found: the count and every output with its shape.
    expect(e.message).toContain('found 1 outputs: logits [1,3]');
    // What was expected: the three families.
    expect(e.message).toContain('face_rpn_{cls_prob_reshape,bbox_pred,landmark_pred}_stride{32,16,8}');
    expect(e.message).toMatch(/loc \[1,N,4\], conf \[1,N,2\], landms \[1,N,10\]/);
    expect(e.message).toContain('{cls,obj}_{8,16,32} [1,N,1], bbox_{8,16,32} [1,N,4], kps_{8,16,32} [1,N,10]');
    expect(e.message).toMatch(/overrides/);
  });

  it('a model forced to a family it is not names only that family', () => {
    const b = thrown(() => describeModel(io.yunet, { family: 'biubug6' }));
    expect(b).toBeInstanceOf(UnsupportedModelError);
    expect(b.message).toContain('biubug6 outputs');
    expect(b.message).not.toContain('face_rpn');
    expect(b.message).toContain('cls_8 [1,anchors,1]');
    const a = thrown(() => describeModel(io.yunet, { family: 'insightface' }));
    expect(a).toBeInstanceOf(UnsupportedModelError);
    expect(a.message).toContain('insightface outputs');
    expect(a.message).not.toContain('the 12 YuNet outputs');
    const y = thrown(() => describeModel(io.insightface, { family: 'yunet' }));
    expect(y).toBeInstanceOf(UnsupportedModelError);
    expect(y.message).toContain('the 12 YuNet outputs');
    expect(y.message).toContain('face_rpn_bbox_pred_stride32 [1,8,');
    expect(y.message).not.toContain('loc [1,N,4]');
    expect(describeModel(io.yunet, { family: 'yunet' }).family).toBe('yunet');
  });

  it('YuNet outputs of the wrong shape or missing are refused, naming them', () => {
    const withShape = (name: string, shape: (number | string)[]): ModelIO => ({
      inputs: io.yunet.inputs,
      outputs: io.yunet.outputs.map((o) => (o.name === name ? { ...o, shape } : o)),
    });
    for (const wrong of [withShape('bbox_16', [1, 'anchors', 5]), withShape('kps_32', [1, 'anchors', 10, 1]), withShape('obj_8', [1, 'anchors', 2])]) {
      const e = thrown(() => describeModel(wrong));
      expect(e).toBeInstanceOf(UnsupportedModelError);
      expect(e.message).toMatch(/bbox_16 \[1,anchors,5\]|kps_32 \[1,anchors,10,1\]|obj_8 \[1,anchors,2\]/);
      expect(e.message).toContain('the 12 YuNet outputs');
    }
    const missing: ModelIO = { inputs: io.yunet.inputs, outputs: io.yunet.outputs.filter((o) => o.name !== 'kps_16') };
    const e = thrown(() => describeModel(missing));
    expect(e.message).toContain('found 11 outputs');
    expect(e.message).not.toContain('kps_16');
  });
});

describe('describeModel overrides', () => {
  it('a forced family that contradicts the outputs is UnsupportedModelError', () => {
    expect(() => describeModel(io.insightface, { family: 'biubug6' })).toThrow(UnsupportedModelError);
    expect(() => describeModel(io.biubug6, { family: 'insightface' })).toThrow(UnsupportedModelError);
    expect(describeModel(io.biubug6, { family: 'biubug6' }).family).toBe('biubug6');
  });

  it('normalisation, landmark std, input name and size', () => {
    const d = describeModel(io.insightface, {
      channelOrder: 'RGB',
      mean: [1, 2, 3],
      std: [4, 5, 6],
      landmarkStd: 0.2,
      inputName: 'other',
      inputSize: { width: 320, height: 320 },
    });
    expect(d).toMatchObject({ channelOrder: 'RGB', mean: [1, 2, 3], std: [4, 5, 6], landmarkStd: 0.2, inputName: 'other', inputSize: { width: 320, height: 320 } });
    expect(describeModel(io.insightface640, { inputSize: null }).inputSize).toBeNull();
    expect(describeModel(io.biubug6, { mean: [0, 0, 0], variance: [0.2, 0.1] })).toMatchObject({ mean: [0, 0, 0], variance: [0.2, 0.1] });
  });

  it('yunet output names and top_k', () => {
    const renamed: ModelIO = { inputs: io.yunet.inputs, outputs: io.yunet.outputs.map((o) => ({ ...o, name: `m/${o.name}` })) };
    expect(() => describeModel(renamed)).toThrow(UnsupportedModelError);
    const levels = yunetLevels().map((l) => ({ ...l, clsOutput: `m/${l.clsOutput}`, objOutput: `m/${l.objOutput}`, bboxOutput: `m/${l.bboxOutput}`, kpsOutput: `m/${l.kpsOutput}` }));
    expect(describeModel(renamed, { yunetLevels: levels })).toMatchObject({ family: 'yunet', levels });
    expect(describeModel(io.yunet, { topK: 100 })).toMatchObject({ topK: 100 });
    expect(describeModel(io.yunet, { topK: Infinity })).toMatchObject({ topK: Infinity });
    // Checked where options enter the API (resolveDescriptorOverrides), before the model is described.
    for (const topK of [0, -1, 2.5, NaN]) expect(() => resolveDescriptorOverrides({ topK })).toThrow(/topK must be a whole number of at least 1/);
  });

  it('biubug6 output names', () => {
    const d = describeModel(io.biubug6Fixed640, { outputs: { boxes: 'output0', scores: '593', landmarks: '592' } });
    expect(d.family).toBe('biubug6');
    // Names the model does not have are refused.
    expect(() => describeModel(io.biubug6Fixed640, { outputs: { boxes: 'loc', scores: 'conf', landmarks: 'landms' } })).toThrow(UnsupportedModelError);
  });

  it('insightface levels for a renamed export; identification is by name, not position', () => {
    const renamed: ModelIO = {
      inputs: io.insightface.inputs,
      outputs: [...io.insightface.outputs].reverse().map((o) => ({ ...o, name: o.name.replace('face_rpn_', 'x_') })),
    };
    expect(() => describeModel(renamed)).toThrow(UnsupportedModelError);
    const levels = insightFaceLevels().map((l) => ({
      ...l,
      scoresOutput: l.scoresOutput.replace('face_rpn_', 'x_'),
      boxesOutput: l.boxesOutput.replace('face_rpn_', 'x_'),
      landmarksOutput: l.landmarksOutput.replace('face_rpn_', 'x_'),
    }));
    expect(describeModel(renamed, { insightFaceLevels: levels })).toMatchObject({ family: 'insightface', levels });
    // The released names in reverse order are still found.
    const reversed: ModelIO = { inputs: io.insightface.inputs, outputs: [...io.insightface.outputs].reverse() };
    expect(describeModel(reversed).family).toBe('insightface');
  });

  it('the RGB conversion with channelOrder RGB detects what the default (BGR) model detects', async () => {
    const file = join(PHOTOS, 'astronaut.png');
    const bgr = await NodeDetector.create({ model: MODELS.insightface });
    const rgb = await NodeDetector.create({ model: MODELS.insightfaceRgb, descriptor: { channelOrder: 'RGB' } });
    const wrong = await NodeDetector.create({ model: MODELS.insightfaceRgb });
    try {
      const expected = (await bgr.detectFile(file, { scoreThreshold: 0.5 })).faces.map(corners);
      expect(expected.length).toBeGreaterThan(0);
      const actual = (await rgb.detectFile(file, { scoreThreshold: 0.5 })).faces.map(corners);
      // The two conversions agree within 3.3e-6 on their outputs (models README), so loosely here.
      expect(compareFaceSets(actual, expected, { px: 0.05, score: 1e-4 })).toEqual([]);
      // Fed BGR, the RGB model's scores differ: the override is what makes them agree.
      const swapped = (await wrong.detectFile(file, { scoreThreshold: 0.5 })).faces.map(corners);
      expect(compareFaceSets(swapped, expected, { px: 0.05, score: 1e-4 })).not.toEqual([]);
    } finally {
      await Promise.all([bgr.release(), rgb.release(), wrong.release()]);
    }
  });
});
