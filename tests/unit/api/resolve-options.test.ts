// Options are checked in one place, where they enter the API: every documented option accepted, every bad
// value an InvalidInputError that names the option, what it takes and what it got.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/index.ts';
import * as defaults from '../../../src/options/face-detector-options.ts';
import {
  DEFAULT_DETECT_SETTINGS,
  resolveDescriptorOverrides,
  resolveDetectOverrides,
  resolveDetectorOptions,
  resolveWatchOptions,
  withFamilyDefaults,
} from '../../../src/options/resolve-options.ts';

const rejects = (f: () => unknown, message: RegExp) => {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, String(message)).toBeInstanceOf(InvalidInputError);
  expect((error as Error).message).toMatch(message);
};

describe('resolveDetectorOptions', () => {
  it('applies the documented defaults, which are the exported constants', () => {
    const r = resolveDetectorOptions(undefined);
    expect(r).toMatchObject({
      model: undefined,
      backend: defaults.DEFAULT_BACKEND,
      numThreads: undefined,
      cache: defaults.DEFAULT_CACHE,
      inGraphPreprocessing: defaults.DEFAULT_IN_GRAPH_PREPROCESSING,
      timeoutMs: defaults.DEFAULT_STALL_TIMEOUT_MS,
      descriptor: {},
    });
    // The thresholds stay unset until the model is known: its family's (0.5 / 0.4, yunet 0.9 / 0.3) then apply.
    expect(r.detect).toEqual({
      scoreThreshold: undefined,
      iouThreshold: undefined,
      maxFaces: Infinity,
      inputSize: 'native',
      maxInputSize: { width: 1920, height: 1920 },
      mirror: false,
      framePath: 'bitmap',
      quality: 'fast',
      tta: undefined,
    });
    expect([defaults.DEFAULT_SCORE_THRESHOLD, defaults.DEFAULT_IOU_THRESHOLD, defaults.DEFAULT_BACKEND, defaults.DEFAULT_STALL_TIMEOUT_MS]).toEqual([0.5, 0.4, 'auto', 30_000]);
    expect(defaults.DEFAULT_IN_GRAPH_PREPROCESSING).toBe(true);
  });

  it('accepts every documented option', () => {
    const signal = new AbortController().signal;
    const onProgress = () => undefined;
    const r = resolveDetectorOptions({
      model: 'retinaface-mnet025-biubug6',
      modelBaseUrl: 'http://example.test/models/',
      backend: 'wasm',
      numThreads: 2,
      wasmPaths: '/ort/',
      inGraphPreprocessing: false,
      cache: false,
      integrity: 'sha256-' + btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
      signal,
      timeoutMs: Infinity,
      onProgress,
      onBackendChange: () => undefined,
      descriptor: { channelOrder: 'RGB', mean: [1, 2, 3], std: [1, 1, 1], landmarkStd: 0.2 },
      scoreThreshold: 0.02,
      iouThreshold: 0.3,
      maxFaces: 10,
      inputSize: { width: 640, height: 480 },
      maxInputSize: { width: 1280, height: 1280 },
      mirror: true,
      framePath: 'tensor',
    });
    expect(r.modelBaseUrl?.href).toBe('http://example.test/models/');
    expect(r.integrity).toEqual(new Uint8Array(32).fill(7));
    expect(r).toMatchObject({ backend: 'wasm', numThreads: 2, inGraphPreprocessing: false, cache: false, signal, timeoutMs: Infinity, onProgress });
    expect(r.detect).toMatchObject({ scoreThreshold: 0.02, maxFaces: 10, inputSize: { width: 640, height: 480 }, mirror: true, framePath: 'tensor' });
  });

  it.each([
    [{ backend: 'gpu' }, /backend must be 'auto', 'webgpu' or 'wasm'; got "gpu"/],
    [{ numThreads: 64 }, /numThreads must be a whole number from 1 to 16; got 64/],
    [{ numThreads: 1.5 }, /numThreads must be a whole number/],
    [{ mirror: 'no' }, /mirror must be true or false; got "no"/],
    [{ cache: 1 }, /cache must be true or false; got 1/],
    [{ inGraphPreprocessing: 'yes' }, /inGraphPreprocessing must be true or false; got "yes"/],
    [{ inputSize: { width: 16384, height: 16384 } }, /Input width \(inputSize.width\) must be a whole number from 1 to 4096; got 16384/],
    [{ inputSize: 'big' }, /inputSize must be 'native' or \{width, height\}; got "big"/],
    [{ inputSize: { width: 640 } }, /Input height \(inputSize.height\)/],
    [{ maxInputSize: { width: 16, height: 640 } }, /Maximum input width \(maxInputSize.width\) must be a whole number from 32 to 4096/],
    [{ scoreThreshold: '0.5' }, /scoreThreshold must be in \[0, 1\]; got "0.5"/],
    [{ iouThreshold: 2 }, /iouThreshold must be in \[0, 1\]; got 2/],
    [{ maxFaces: 0 }, /maxFaces must be a whole number/],
    [{ framePath: 'pixels' }, /framePath must be 'bitmap' or 'tensor'/],
    [{ quality: 'good' }, /quality must be 'fast' or 'best'; got "good"/],
    [{ tta: { scales: [800] } }, /tta options go with quality: 'best'/],
    [{ quality: 'best', tta: { scales: [] } }, /tta.scales must be a non-empty array of sizes/],
    [{ quality: 'best', tta: { scales: [500, -1] } }, /tta.scales\[1\] must be a positive number; got -1/],
    [{ quality: 'best', tta: { merge: 'mean' } }, /tta.merge must be 'vote' or 'nms'/],
    [{ quality: 'best', tta: { zoom: 2 } }, /tta has no option "zoom"/],
    [{ quality: 'best', inputSize: { width: 640, height: 480 } }, /inputSize and maxInputSize do not apply to quality 'best'/],
    [{ model: '' }, /model must be a model id, a URL or the ONNX bytes/],
    [{ model: 'retinaface-r5O' }, /model "retinaface-r5O" is not a known model id \(retinaface-mnet025, .*\), nor a URL/],
    [{ model: 42 }, /model must be a model id, a URL, an ArrayBuffer or a Uint8Array; got 42/],
    [{ model: new ArrayBuffer(0) }, /model must be non-empty bytes/],
    [{ modelBaseUrl: 'http://[bad' }, /modelBaseUrl must be a URL; got "http:\/\/\[bad"/],
    [{ integrity: 'md5-abc' }, /integrity must be a sha256 as 64 hex digits or "sha256-<base64>"; got "md5-abc"/],
    [{ timeoutMs: 0 }, /timeoutMs must be a positive number of milliseconds/],
    [{ wasmPaths: 5 }, /wasmPaths must be a non-empty string/],
    [{ signal: {} }, /signal must be an AbortSignal/],
    [{ onProgress: 'log' }, /onProgress must be a function; got "log"/],
    [{ onBackendChange: {} }, /onBackendChange must be a function/],
    [{ descriptor: { channelOrder: 'XYZ' } }, /descriptor.channelOrder must be 'BGR' or 'RGB'; got "XYZ"/],
    [{ descriptor: { std: [1, 0, 1] } }, /descriptor.std must be three finite numbers, none 0/],
    [{ descriptor: { family: 'yolo' } }, /descriptor.family must be/],
    [{ descriptor: { colour: 'BGR' } }, /descriptor has no option "colour"/],
    [{ scoreTreshold: 0.3 }, /createFaceDetector\(\) options has no option "scoreTreshold"; the options are/],
    [null, /createFaceDetector\(\) options must be an object; got null/],
  ])('%j is rejected, naming what is wrong', (options, message) => {
    rejects(() => resolveDetectorOptions(options as never), message);
  });
});

describe('withFamilyDefaults', () => {
  it("fills in the model family's thresholds where none were given, and keeps given ones", () => {
    const retinaface = { family: 'insightface' } as never;
    const yunet = { family: 'yunet', decodeDefaults: { scoreThreshold: 0.9, iouThreshold: 0.3 } } as never;
    expect(withFamilyDefaults(DEFAULT_DETECT_SETTINGS, retinaface)).toMatchObject({ scoreThreshold: 0.5, iouThreshold: 0.4 });
    expect(withFamilyDefaults(DEFAULT_DETECT_SETTINGS, yunet)).toMatchObject({ scoreThreshold: 0.9, iouThreshold: 0.3 });
    const given = resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, { scoreThreshold: 0.6 });
    expect(withFamilyDefaults(given, yunet)).toMatchObject({ scoreThreshold: 0.6, iouThreshold: 0.3 });
  });
});

describe('resolveDetectOverrides', () => {
  it('no overrides: the base itself, no copy', () => {
    expect(resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, undefined)).toBe(DEFAULT_DETECT_SETTINGS);
    expect(resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, {})).toBe(DEFAULT_DETECT_SETTINGS);
  });

  it('settings it produced are taken back as they are (what watch() passes per frame): no check, no copy', () => {
    const once = resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, { scoreThreshold: 0.3 });
    expect(resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, once)).toBe(once);
    expect(Object.isFrozen(once)).toBe(true);
  });

  it('merges over the base and checks only what is given', () => {
    const base = resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, { scoreThreshold: 0.3, mirror: true });
    expect(resolveDetectOverrides(base, { maxFaces: 2 })).toMatchObject({ scoreThreshold: 0.3, mirror: true, maxFaces: 2 });
    rejects(() => resolveDetectOverrides(base, { model: 'x' } as never), /detect\(\) options has no option "model"/);
  });

  it('watch() options: onError apart, the rest as detect settings', () => {
    const onError = () => undefined;
    const r = resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { onError, scoreThreshold: 0.7 });
    expect(r.onError).toBe(onError);
    expect(r.settings.scoreThreshold).toBe(0.7);
    rejects(() => resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { onError: 1 } as never), /onError must be a function/);
    rejects(() => resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { fps: 30 } as never), /watch\(\) options has no option "fps"/);
    rejects(() => resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { quality: 'best' }), /quality 'best' is for still images/);
    rejects(() => resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { targetFps: 30 }), /targetFps and minFaceSize go with inputSize: 'auto'/);
    rejects(() => resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { tracking: false, smoothing: true }), /smoothing needs tracking/);
    rejects(() => resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { tracking: { maxMissed: -1 } }), /maxMissed must be a whole number/);
    rejects(() => resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { inputSize: 'auto', minFaceSize: 0 }), /minFaceSize must be a finite number above 0/);
    const auto = resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { inputSize: 'auto', targetFps: 15 });
    expect(auto.adaptive).toMatchObject({ targetFps: 15, minFaceSize: 40 });
    expect(auto.tracking?.smoothing).toMatchObject({ minCutoff: 0.1, beta: 8 });
    expect(resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { tracking: false }).tracking).toBeNull();
    expect(resolveWatchOptions(DEFAULT_DETECT_SETTINGS, { smoothing: false }).tracking?.smoothing).toBe(false);
  });
});

describe('resolveDescriptorOverrides', () => {
  it('accepts level lists and output names of the right shape', () => {
    const levels = [{ stride: 8, minSizes: [16, 32] }];
    expect(resolveDescriptorOverrides({ biubug6Levels: levels, outputs: { boxes: 'a', scores: 'b', landmarks: 'c' } })).toMatchObject({ biubug6Levels: levels });
  });

  it.each([
    [{ biubug6Levels: [] }, /descriptor.biubug6Levels must be a non-empty array of levels/],
    [{ insightFaceLevels: [{ stride: 8, scales: [1], scoresOutput: 'a', boxesOutput: 'b' }] }, /descriptor.insightFaceLevels\[0\].landmarksOutput must be an output name/],
    [{ outputs: { boxes: 'a', scores: 'b' } }, /descriptor.outputs.landmarks must be an output name/],
    [{ landmarkStd: -1 }, /descriptor.landmarkStd must be a positive number/],
    [{ inputSize: { width: 0, height: 640 } }, /Model input width/],
  ])('%j is rejected', (d, message) => {
    rejects(() => resolveDescriptorOverrides(d), message);
  });
});
