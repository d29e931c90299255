// The one place options are checked: where they enter the API (`createFaceDetector`, `detect`, `watch`, the
// Node host). Everything below receives the resolved values. A bad option is an `InvalidInputError` that names
// the option, what it takes and what it got, before anything is downloaded.
import {
  DEFAULT_INPUT_SIZE,
  DEFAULT_MAX_FACES,
  DEFAULT_MAX_INPUT_SIZE,
  DEFAULT_MIRROR,
  InvalidInputError,
  familyDecodeDefaults,
  MAX_INPUT_SIDE,
  SIZE_MULTIPLE,
  type DecodeSettings,
  type DescriptorOverrides,
  type GeometrySettings,
  type InputSizeRequest,
  type ModelDescriptor,
  type Size,
  type TestTimeAugmentationOptions,
} from '../core/index.ts';
import { MODEL_CATALOG, findCatalogModel } from '../models/catalog.ts';
import {
  DEFAULT_ONE_EURO,
  resolveAdaptiveInputSizeOptions,
  resolveFaceTrackerOptions,
  type AdaptiveInputSizeOptions,
  type FaceTrackerOptions,
} from '../tracking/index.ts';
import {
  DEFAULT_BACKEND,
  DEFAULT_CACHE,
  DEFAULT_FRAME_PATH,
  DEFAULT_IN_GRAPH_PREPROCESSING,
  DEFAULT_STALL_TIMEOUT_MS,
  MAX_NUM_THREADS,
  type BackendChange,
  type BackendRequest,
  type DetectOverrides,
  type FaceDetectorOptions,
  type FramePath,
  type ModelSource,
  type Quality,
  type WatchOptions,
} from './face-detector-options.ts';

/**
 * `detect()` settings with every default applied, but the thresholds: undefined there means "the model family's
 * default" (0.5 / 0.4; yunet 0.9 / 0.3), filled in by `withFamilyDefaults` once the model is known.
 */
export interface DetectSettings extends Omit<DecodeSettings, 'scoreThreshold' | 'iouThreshold'>, GeometrySettings {
  scoreThreshold: number | undefined;
  iouThreshold: number | undefined;
  framePath: FramePath;
  quality: Quality;
  /** Best-quality mode's options (undefined: insightface's). */
  tta: TestTimeAugmentationOptions | undefined;
}

/** Settings this module produced: passing one back in is taken as it is (no check, no copy). */
const resolved = new WeakSet<object>();
const settled = <T extends object>(value: T): Readonly<T> => {
  resolved.add(Object.freeze(value));
  return value;
};

export const DEFAULT_DETECT_SETTINGS: Readonly<DetectSettings> = settled({
  scoreThreshold: undefined,
  iouThreshold: undefined,
  maxFaces: DEFAULT_MAX_FACES,
  inputSize: DEFAULT_INPUT_SIZE,
  maxInputSize: DEFAULT_MAX_INPUT_SIZE,
  mirror: DEFAULT_MIRROR,
  framePath: DEFAULT_FRAME_PATH,
  quality: 'fast',
  tta: undefined,
} as DetectSettings);

/** `createFaceDetector()` options, checked, with defaults applied. */
export interface ResolvedDetectorOptions {
  /** The model as given (undefined: the default model); its type and form are checked. */
  model: ModelSource | undefined;
  modelBaseUrl: URL | undefined;
  backend: BackendRequest;
  /** undefined: the thread policy decides (min(cores, 4) when cross-origin isolated, else 1). */
  numThreads: number | undefined;
  wasmPaths: string | undefined;
  cache: boolean;
  inGraphPreprocessing: boolean;
  /** The expected sha256 digest (32 bytes), parsed. */
  integrity: Uint8Array | undefined;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  onProgress: ((loaded: number, total: number) => void) | undefined;
  onBackendChange: ((change: BackendChange) => void) | undefined;
  descriptor: DescriptorOverrides;
  detect: DetectSettings;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'a function' : String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const name = Object.getPrototypeOf(value)?.constructor?.name;
  if (name && name !== 'Object') return `a ${name}`;
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return 'an object';
  }
}

const fail = (what: string, takes: string, got: unknown): never => {
  throw new InvalidInputError(`${what} must be ${takes}; got ${describe(got)}.`);
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeys(value: unknown, what: string, known: ReadonlySet<string>): asserts value is Record<string, unknown> {
  if (!isObject(value)) fail(what, 'an object', value);
  for (const key of Object.keys(value as object)) {
    if (!known.has(key)) {
      throw new InvalidInputError(`${what} has no option "${key}"; the options are ${[...known].join(', ')}.`);
    }
  }
}

function unitInterval(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail(name, 'in [0, 1]', value);
  return value as number;
}

function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(name, max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}${name.endsWith('topK') ? ' (or Infinity)' : ''}` : `a whole number from ${min} to ${max}`, value);
  }
  return value as number;
}

function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') fail(name, 'true or false', value);
  return value as boolean;
}

function oneOf<T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) fail(name, choices.map((c) => `'${c}'`).join(', ').replace(/, ([^,]*)$/, ' or $1'), value);
  return value as T;
}

function optionalFunction<F>(value: unknown, name: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') fail(name, 'a function', value);
  return value as F | undefined;
}

function size(value: unknown, name: string, label: string, min: number, max: number): Size {
  if (!isObject(value)) fail(name, 'an object {width, height}', value);
  const v = value as Record<string, unknown>;
  checkKeys(v, name, new Set(['width', 'height']));
  wholeNumber(v.width, `${label} width (${name}.width)`, min, max);
  wholeNumber(v.height, `${label} height (${name}.height)`, min, max);
  return { width: v.width as number, height: v.height as number };
}

function inputSize(value: unknown, name: string): InputSizeRequest {
  if (value === 'native') return 'native';
  if (!isObject(value)) fail(name, `'native' or {width, height}`, value);
  return size(value, name, 'Input', 1, MAX_INPUT_SIDE);
}

const DETECT_KEYS = new Set(['scoreThreshold', 'iouThreshold', 'maxFaces', 'inputSize', 'maxInputSize', 'mirror', 'framePath', 'quality', 'tta']);

function positiveNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(name, 'a positive number', value);
  return value as number;
}

/** Best-quality mode's options, field by field. */
function ttaOptions(value: unknown): TestTimeAugmentationOptions {
  checkKeys(value, 'tta', new Set(['scales', 'targetSize', 'maxSize', 'flip', 'merge']));
  const t = value as Record<string, unknown>;
  if (t.scales !== undefined) {
    if (!Array.isArray(t.scales) || t.scales.length === 0) fail('tta.scales', 'a non-empty array of sizes', t.scales);
    (t.scales as unknown[]).forEach((v, i) => positiveNumber(v, `tta.scales[${i}]`));
  }
  if (t.targetSize !== undefined) positiveNumber(t.targetSize, 'tta.targetSize');
  if (t.maxSize !== undefined) positiveNumber(t.maxSize, 'tta.maxSize');
  if (t.flip !== undefined) boolean(t.flip, 'tta.flip');
  if (t.merge !== undefined) oneOf(t.merge, 'tta.merge', ['vote', 'nms'] as const);
  return t as TestTimeAugmentationOptions;
}

/** Checks `detect()` settings given in `overrides` and applies them over `base` (no copy when there are none). */
export function resolveDetectOverrides(base: Readonly<DetectSettings>, overrides: DetectOverrides | undefined, what = 'detect() options'): DetectSettings {
  if (overrides === undefined || resolved.has(overrides)) return (overrides as DetectSettings | undefined) ?? base;
  checkKeys(overrides, what, DETECT_KEYS);
  let any = false;
  for (const _ in overrides) {
    any = true;
    break;
  }
  if (!any) return base;
  const o = overrides as DetectOverrides;
  const quality = o.quality === undefined ? base.quality : oneOf(o.quality, 'quality', ['fast', 'best'] as const);
  if (quality === 'best' && (o.inputSize !== undefined || o.maxInputSize !== undefined)) {
    throw new InvalidInputError("inputSize and maxInputSize do not apply to quality 'best': its sizes come from tta.scales.");
  }
  if (quality !== 'best' && o.tta !== undefined) throw new InvalidInputError("tta options go with quality: 'best'.");
  const maxFaces = o.maxFaces;
  if (maxFaces !== undefined && maxFaces !== Infinity) wholeNumber(maxFaces, 'maxFaces', 1, Number.MAX_SAFE_INTEGER);
  return settled({
    scoreThreshold: o.scoreThreshold === undefined ? base.scoreThreshold : unitInterval(o.scoreThreshold, 'scoreThreshold'),
    iouThreshold: o.iouThreshold === undefined ? base.iouThreshold : unitInterval(o.iouThreshold, 'iouThreshold'),
    maxFaces: maxFaces ?? base.maxFaces,
    inputSize: o.inputSize === undefined ? base.inputSize : inputSize(o.inputSize, 'inputSize'),
    maxInputSize: o.maxInputSize === undefined ? base.maxInputSize : size(o.maxInputSize, 'maxInputSize', 'Maximum input', SIZE_MULTIPLE, MAX_INPUT_SIDE),
    mirror: o.mirror === undefined ? base.mirror : boolean(o.mirror, 'mirror'),
    framePath: o.framePath === undefined ? base.framePath : oneOf(o.framePath, 'framePath', ['bitmap', 'tensor'] as const),
    quality,
    tta: o.tta === undefined ? (quality === 'best' ? base.tta : undefined) : ttaOptions(o.tta),
  });
}

/** The settings with the model family's thresholds where none were given (the base of every `detect()`). */
export function withFamilyDefaults(settings: Readonly<DetectSettings>, descriptor: ModelDescriptor): Readonly<DetectSettings> {
  if (settings.scoreThreshold !== undefined && settings.iouThreshold !== undefined) return settings;
  const defaults = familyDecodeDefaults(descriptor);
  return settled({
    ...settings,
    scoreThreshold: settings.scoreThreshold ?? defaults.scoreThreshold,
    iouThreshold: settings.iouThreshold ?? defaults.iouThreshold,
  });
}

/** `watch()` options, checked: the detect settings, the tracker's (null: off) and the adaptive size's (null: off). */
export interface ResolvedWatchOptions {
  settings: DetectSettings;
  onError: (error: unknown) => void;
  tracking: Required<FaceTrackerOptions> | null;
  adaptive: Required<AdaptiveInputSizeOptions> | null;
}

/** Splits and checks `watch()` options. */
export function resolveWatchOptions(base: Readonly<DetectSettings>, options: WatchOptions | undefined): ResolvedWatchOptions {
  if (options !== undefined && !isObject(options)) fail('watch() options', 'an object', options);
  const { onError, tracking, smoothing, targetFps, minFaceSize, inputSize, ...overrides } = options ?? {};
  const auto = inputSize === 'auto';
  if (!auto && (targetFps !== undefined || minFaceSize !== undefined)) {
    throw new InvalidInputError(`targetFps and minFaceSize go with inputSize: 'auto'; got inputSize ${describe(inputSize ?? base.inputSize)}.`);
  }
  const settings = resolveDetectOverrides(base, auto || inputSize === undefined ? overrides : { ...overrides, inputSize }, 'watch() options');
  if (settings.quality === 'best') throw new InvalidInputError("quality 'best' is for still images: watch() runs the model once a frame.");
  let trackerOptions: Required<FaceTrackerOptions> | null = null;
  if (tracking !== false) {
    if (tracking !== undefined && tracking !== true && !isObject(tracking)) fail('tracking', 'true, false or tracker options', tracking);
    if (smoothing !== undefined && typeof smoothing !== 'boolean' && !isObject(smoothing)) fail('smoothing', 'true, false or One Euro parameters', smoothing);
    const params = smoothing === false ? false : { ...DEFAULT_ONE_EURO, ...(isObject(smoothing) ? smoothing : {}) };
    if (isObject(tracking) && 'smoothing' in tracking) throw new InvalidInputError('tracking has no option "smoothing": use watch()\'s smoothing option.');
    trackerOptions = resolveFaceTrackerOptions({ ...(isObject(tracking) ? tracking : {}), smoothing: params });
  } else if (smoothing !== undefined && smoothing !== false) {
    throw new InvalidInputError('smoothing needs tracking: it smooths each tracked face; got tracking: false.');
  }
  return {
    settings,
    onError: optionalFunction<(error: unknown) => void>(onError, 'onError') ?? ((error) => console.error(error)),
    tracking: trackerOptions,
    adaptive: auto
      ? resolveAdaptiveInputSizeOptions({
          ...(targetFps !== undefined ? { targetFps: targetFps as number } : {}),
          ...(minFaceSize !== undefined ? { minFaceSize: minFaceSize as number } : {}),
          maxInputSize: settings.maxInputSize,
        })
      : null,
  };
}

function triple(value: unknown, name: string, nonZero: boolean): void {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'number' && Number.isFinite(v) && (!nonZero || v !== 0))) {
    fail(name, `three finite numbers${nonZero ? ', none 0' : ''}`, value);
  }
}

function names(value: unknown, name: string, keys: readonly string[]): void {
  if (!isObject(value)) fail(name, `an object {${keys.join(', ')}} of output names`, value);
  for (const k of keys) if (typeof (value as Record<string, unknown>)[k] !== 'string') fail(`${name}.${k}`, 'an output name', (value as Record<string, unknown>)[k]);
}

function levels(value: unknown, name: string, sizes: 'scales' | 'minSizes' | null, outputs: readonly string[]): void {
  if (!Array.isArray(value) || value.length === 0) fail(name, 'a non-empty array of levels', value);
  (value as unknown[]).forEach((level, i) => {
    const at = `${name}[${i}]`;
    if (!isObject(level)) fail(at, 'an object', level);
    const l = level as Record<string, unknown>;
    wholeNumber(l.stride, `${at}.stride`, 1, 1024);
    if (sizes && (!Array.isArray(l[sizes]) || (l[sizes] as unknown[]).length === 0 || !(l[sizes] as unknown[]).every((s) => typeof s === 'number' && s > 0))) {
      fail(`${at}.${sizes}`, 'a non-empty array of positive numbers', l[sizes]);
    }
    for (const o of outputs) if (typeof l[o] !== 'string') fail(`${at}.${o}`, 'an output name', l[o]);
  });
}

const DESCRIPTOR_KEYS = new Set([
  'family', 'inputName', 'inputSize', 'channelOrder', 'mean', 'std', 'landmarkStd', 'insightFaceLevels', 'biubug6Levels', 'variance', 'outputs',
  'yunetLevels', 'topK',
]);

/** Checks descriptor overrides field by field (the model itself is checked against them once it is loaded). */
export function resolveDescriptorOverrides(value: unknown): DescriptorOverrides {
  if (value === undefined) return {};
  checkKeys(value, 'descriptor', DESCRIPTOR_KEYS);
  const d = value as Record<string, unknown>;
  if (d.family !== undefined) oneOf(d.family, 'descriptor.family', ['insightface', 'biubug6', 'yunet'] as const);
  if (d.inputName !== undefined && (typeof d.inputName !== 'string' || d.inputName === '')) fail('descriptor.inputName', 'a non-empty string', d.inputName);
  if (d.inputSize !== undefined && d.inputSize !== null) size(d.inputSize, 'descriptor.inputSize', 'Model input', 1, MAX_INPUT_SIDE);
  if (d.channelOrder !== undefined) oneOf(d.channelOrder, 'descriptor.channelOrder', ['BGR', 'RGB'] as const);
  if (d.mean !== undefined) triple(d.mean, 'descriptor.mean', false);
  if (d.std !== undefined) triple(d.std, 'descriptor.std', true);
  if (d.landmarkStd !== undefined && !(typeof d.landmarkStd === 'number' && d.landmarkStd > 0 && Number.isFinite(d.landmarkStd))) {
    fail('descriptor.landmarkStd', 'a positive number', d.landmarkStd);
  }
  if (d.insightFaceLevels !== undefined) levels(d.insightFaceLevels, 'descriptor.insightFaceLevels', 'scales', ['scoresOutput', 'boxesOutput', 'landmarksOutput']);
  if (d.biubug6Levels !== undefined) levels(d.biubug6Levels, 'descriptor.biubug6Levels', 'minSizes', []);
  if (d.variance !== undefined && !(Array.isArray(d.variance) && d.variance.length === 2 && d.variance.every((v) => typeof v === 'number' && v > 0))) {
    fail('descriptor.variance', 'two positive numbers', d.variance);
  }
  if (d.outputs !== undefined) names(d.outputs, 'descriptor.outputs', ['boxes', 'scores', 'landmarks']);
  if (d.yunetLevels !== undefined) levels(d.yunetLevels, 'descriptor.yunetLevels', null, ['clsOutput', 'objOutput', 'bboxOutput', 'kpsOutput']);
  if (d.topK !== undefined && d.topK !== Infinity) wholeNumber(d.topK, 'descriptor.topK', 1, Number.MAX_SAFE_INTEGER);
  return d as DescriptorOverrides;
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));
}

/** An `integrity` string (64 hex digits or `sha256-<base64>`) as the 32 digest bytes. */
export function parseIntegrity(value: unknown): Uint8Array {
  if (typeof value === 'string') {
    if (/^[0-9a-f]{64}$/i.test(value)) return hexBytes(value);
    const sri = /^sha256-([A-Za-z0-9+/]{43}=)$/.exec(value);
    if (sri) return Uint8Array.from(atob(sri[1]), (c) => c.charCodeAt(0));
  }
  return fail('integrity', 'a sha256 as 64 hex digits or "sha256-<base64>"', value);
}

/** A model string that names no file or URL (no `/`, `.` or `:`) must be a known id. */
const looksLikeId = (s: string) => !/[/.:]/.test(s);

function modelSource(value: unknown): ModelSource | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    if (value.trim() === '') fail('model', 'a model id, a URL or the ONNX bytes', value);
    if (looksLikeId(value) && !findCatalogModel(value)) {
      throw new InvalidInputError(`model "${value}" is not a known model id (${MODEL_CATALOG.map((m) => m.id).join(', ')}), nor a URL.`);
    }
    return value;
  }
  if (value instanceof URL) return value;
  if (value instanceof ArrayBuffer || value instanceof Uint8Array) {
    if (value.byteLength === 0) fail('model', 'non-empty bytes', `${value.constructor.name} of 0 bytes (detached or empty)`);
    return value;
  }
  return fail('model', 'a model id, a URL, an ArrayBuffer or a Uint8Array', value);
}

function baseUrl(value: unknown): URL | undefined {
  if (value === undefined) return undefined;
  if (value instanceof URL) return value;
  if (typeof value === 'string' && value !== '') {
    try {
      return new URL(value, globalThis.document?.baseURI ?? globalThis.location?.href);
    } catch {
      // reported below
    }
  }
  return fail('modelBaseUrl', 'a URL', value);
}

function abortSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const isSignal = typeof AbortSignal === 'function' ? value instanceof AbortSignal : isObject(value) && typeof value.aborted === 'boolean';
  if (!isSignal) fail('signal', 'an AbortSignal', value);
  return value as AbortSignal;
}

/** A thread count asked for (undefined: the default). */
export const resolveNumThreads = (value: unknown): number | undefined =>
  value === undefined ? undefined : wholeNumber(value, 'numThreads', 1, MAX_NUM_THREADS);

const DETECTOR_KEYS = new Set([
  ...DETECT_KEYS,
  'model', 'modelBaseUrl', 'backend', 'numThreads', 'wasmPaths', 'inGraphPreprocessing', 'cache', 'integrity', 'signal', 'timeoutMs', 'onProgress', 'onBackendChange', 'descriptor',
]);

/** Checks every `createFaceDetector()` option and applies the defaults. */
export function resolveDetectorOptions(options: FaceDetectorOptions | undefined): ResolvedDetectorOptions {
  const o = (options === undefined ? {} : options) as FaceDetectorOptions;
  checkKeys(o, 'createFaceDetector() options', DETECTOR_KEYS);
  const { model, modelBaseUrl, backend, numThreads, wasmPaths, inGraphPreprocessing, cache, integrity, signal, timeoutMs, onProgress, onBackendChange, descriptor, ...detect } = o;
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0)) fail('timeoutMs', 'a positive number of milliseconds (or Infinity)', timeoutMs);
  if (wasmPaths !== undefined && (typeof wasmPaths !== 'string' || wasmPaths === '')) fail('wasmPaths', 'a non-empty string (a URL prefix)', wasmPaths);
  return {
    model: modelSource(model),
    modelBaseUrl: baseUrl(modelBaseUrl),
    backend: backend === undefined ? DEFAULT_BACKEND : oneOf(backend, 'backend', ['auto', 'webgpu', 'wasm'] as const),
    numThreads: resolveNumThreads(numThreads),
    wasmPaths: wasmPaths as string | undefined,
    inGraphPreprocessing: inGraphPreprocessing === undefined ? DEFAULT_IN_GRAPH_PREPROCESSING : boolean(inGraphPreprocessing, 'inGraphPreprocessing'),
    cache: cache === undefined ? DEFAULT_CACHE : boolean(cache, 'cache'),
    integrity: integrity === undefined ? undefined : parseIntegrity(integrity),
    signal: abortSignal(signal),
    timeoutMs: (timeoutMs as number | undefined) ?? DEFAULT_STALL_TIMEOUT_MS,
    onProgress: optionalFunction(onProgress, 'onProgress'),
    onBackendChange: optionalFunction(onBackendChange, 'onBackendChange'),
    descriptor: resolveDescriptorOverrides(descriptor),
    detect: resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, detect, 'createFaceDetector() options'),
  };
}
