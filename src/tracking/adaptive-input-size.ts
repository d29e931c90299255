// `inputSize: 'auto'` for video: picks the model's input size from measured times per result, so that a slow
// machine runs a smaller tensor (faster) and a fast one a larger (smaller faces found), never below what the
// smallest face that must stay detectable needs. Pure: it is given times, it measures nothing.
import { INSIGHTFACE_BASE_SIZE, InvalidInputError, MAX_INPUT_SIDE, SIZE_MULTIPLE, type Size } from '../core/index.ts';

/** The most results per second `'auto'` aims for. Defaults to 30 (`DEFAULT_TARGET_FPS`). */
export const DEFAULT_TARGET_FPS = 30;
/**
 * The smallest face, in source pixels (its box's (width + height) / 2), that must stay detectable: the input is
 * never so small that such a face falls under the model's smallest anchor. Defaults to 40 px
 * (`DEFAULT_MIN_FACE_SIZE`): with RetinaFace's 16 px anchor the input keeps at least 0.4 of the source's size.
 */
export const DEFAULT_MIN_FACE_SIZE = 40;

/** Options of the adaptive input size; every field has a default (`DEFAULT_ADAPTIVE_INPUT_SIZE_OPTIONS`). */
export interface AdaptiveInputSizeOptions {
  /** Results per second to aim for: the budget per result is 1000 / targetFps ms. Defaults to 30. */
  targetFps?: number;
  /** See `DEFAULT_MIN_FACE_SIZE`. Defaults to 40 (source pixels). */
  minFaceSize?: number;
  /**
   * The largest input as a multiple of the source's size: 1 never enlarges the picture (more would find
   * smaller faces at a much higher cost). Defaults to 1.
   */
  maxScale?: number;
  /** The largest input tensor, each side. Defaults to 1920 × 1920 (as `maxInputSize` of `'native'`). */
  maxInputSize?: Size;
  /** The longer input side to start at (then adapted): the nearest allowed size is used. Defaults to 640. */
  initialSide?: number;
  /** Weight of each new time in the running average (EWMA): about 1 / the number of results it remembers. Defaults to 0.1. */
  smoothing?: number;
  /**
   * Headroom: a larger size is taken only when its predicted time (time ∝ tensor area) is at most this share of
   * the budget, and a step down lands on the largest size predicted within it. Defaults to 0.8.
   */
  headroom?: number;
  /** Results to wait after a change before growing again (doubled after each growth that had to be undone). Defaults to 10. */
  growDwell?: number;
  /** Results to wait after a change before shrinking again. Defaults to 2. */
  shrinkDwell?: number;
}

export const DEFAULT_ADAPTIVE_INPUT_SIZE_OPTIONS: Readonly<Required<AdaptiveInputSizeOptions>> = Object.freeze({
  targetFps: DEFAULT_TARGET_FPS,
  minFaceSize: DEFAULT_MIN_FACE_SIZE,
  maxScale: 1,
  maxInputSize: Object.freeze({ width: 1920, height: 1920 }),
  initialSide: 640,
  smoothing: 0.1,
  headroom: 0.8,
  growDwell: 10,
  shrinkDwell: 2,
});

/** What a model level says about its anchors: insightface scales of a 16 px base, biubug6 prior sizes, or neither. */
export interface AnchorLevel {
  stride: number;
  scales?: readonly number[];
  minSizes?: readonly number[];
}

/**
 * The smallest face a model finds, in input pixels, from its descriptor's levels: the smallest anchor (insightface:
 * base 16 × the smallest scale, 16 px at stride 8 for the released models; biubug6: the smallest prior, 16 px).
 * A level without anchors (anchor-free families such as YuNet) counts as two cells of its stride.
 */
export function smallestDetectableFace(levels: readonly AnchorLevel[]): number {
  let smallest = Infinity;
  for (const level of levels) {
    if (level.minSizes?.length) smallest = Math.min(smallest, ...level.minSizes);
    else if (level.scales?.length) smallest = Math.min(smallest, INSIGHTFACE_BASE_SIZE * Math.min(...level.scales));
    else smallest = Math.min(smallest, 2 * level.stride);
  }
  if (!Number.isFinite(smallest)) throw new InvalidInputError('The model has no levels to take its smallest face from.');
  return smallest;
}

const MAX_BACKOFF = 32;

/**
 * The controller. Sizes form a ladder: the longer side in steps of 32 px, the other side in proportion (rounded
 * up to a multiple of 32, so the picture is letterboxed with its aspect kept), from the smallest that keeps a
 * `minFaceSize` face at the model's smallest anchor up to `maxScale` × the source (within `maxInputSize`).
 *
 * `next(ms)` takes the time the last result took at the current size and returns the size for the next one:
 * - the times are averaged (EWMA; after a change the old average scaled by the area ratio is the start); the
 *   first result at a new size is not counted (onnxruntime's first run at a new shape is slower);
 * - over budget (1000 / targetFps) → one step down, after `shrinkDwell` results at the current size; far over
 *   (more than budget / headroom) → straight to the largest size predicted within `headroom` of the budget
 *   (time ∝ tensor area);
 * - one step up when that step's predicted time is within `headroom` of the budget, after `growDwell` results;
 *   a growth undone soon after doubles the wait before the next (up to 32×), so a wrong prediction does not
 *   make it oscillate; the dead band between headroom and budget holds a steady noisy time still.
 * Sizes are precomputed per ladder: `next` allocates nothing.
 */
export class AdaptiveInputSize {
  readonly options: Readonly<Required<AdaptiveInputSizeOptions>>;
  private ladder: Readonly<Size>[] = [];
  private rung = 0;
  private average = NaN;
  private atRung = 0;
  private backoff = 1;
  private grewAt = -1;
  private results = 0;
  private source: Size = { width: 0, height: 0 };

  /**
   * `source`: the video's size. `smallestFace`: the model's smallest detectable face in input pixels
   * (`smallestDetectableFace(descriptor.levels)`, 16 for RetinaFace).
   */
  constructor(
    source: Size,
    readonly smallestFace: number,
    options: AdaptiveInputSizeOptions = {},
  ) {
    this.options = Object.freeze(resolveAdaptiveInputSizeOptions(options));
    if (typeof smallestFace !== 'number' || !(smallestFace > 0) || !Number.isFinite(smallestFace)) {
      throw new InvalidInputError(`smallestFace must be a number of pixels above 0; got ${String(smallestFace)}.`);
    }
    this.setSource(source);
  }

  /** The size to run now. */
  get size(): Readonly<Size> {
    return this.ladder[this.rung];
  }

  /** Every size the controller may choose, smallest first. */
  get sizes(): readonly Readonly<Size>[] {
    return this.ladder;
  }

  /** The smallest allowed size: the `minFaceSize` bound. */
  get minimum(): Readonly<Size> {
    return this.ladder[0];
  }

  /** The budget per result, ms. */
  get budgetMs(): number {
    return 1000 / this.options.targetFps;
  }

  /** The running average of the times at the current size (NaN before the first counted one). */
  get averageMs(): number {
    return this.average;
  }

  /**
   * The video's size changed (or is first known): rebuilds the ladder and keeps the nearest scale. Allocates the
   * ladder's sizes.
   */
  setSource(source: Size): void {
    if (!source || !(source.width >= 1) || !(source.height >= 1)) {
      throw new InvalidInputError(`The source size must be at least 1x1; got ${source ? `${source.width}x${source.height}` : String(source)}.`);
    }
    if (source.width === this.source.width && source.height === this.source.height) return;
    const previousScale = this.ladder.length ? longer(this.size) / longer(this.source) : NaN;
    this.source = { width: source.width, height: source.height };
    this.ladder = buildLadder(source, this.smallestFace, this.options);
    const wanted = Number.isNaN(previousScale) ? this.options.initialSide : previousScale * longer(source);
    this.rung = nearestRung(this.ladder, wanted);
    this.changed();
    this.backoff = 1;
  }

  /** Takes the time (ms) of the last result, run at `size`, and returns the size for the next. */
  next(ms: number): Readonly<Size> {
    if (!(ms >= 0) || !Number.isFinite(ms)) return this.size;
    this.results++;
    if (this.atRung++ === 0) return this.size; // the first run at a new size: not counted
    const { smoothing, headroom, growDwell, shrinkDwell } = this.options;
    this.average = Number.isNaN(this.average) ? ms : this.average + smoothing * (ms - this.average);
    const counted = this.atRung - 1;
    const budget = this.budgetMs;
    const area = areaOf(this.size);

    // A growth is "undone" when a shrink follows it within twice the wait it needed.
    const undoWindow = 2 * growDwell * this.backoff;
    if (this.average > budget && this.rung > 0 && counted >= shrinkDwell) {
      // A little over: one step. Far over (beyond budget / headroom): straight to the largest size predicted
      // within the headroom.
      let target = this.rung - 1;
      if (this.average > budget / headroom) {
        while (target > 0 && (this.average * areaOf(this.ladder[target])) / area > headroom * budget) target--;
      }
      if (this.grewAt >= 0 && this.results - this.grewAt <= undoWindow) this.backoff = Math.min(MAX_BACKOFF, this.backoff * 2);
      this.grewAt = -1;
      this.moveTo(target);
      return this.size;
    }
    if (this.grewAt >= 0 && this.results - this.grewAt > undoWindow) {
      this.grewAt = -1; // the last growth held: forgive earlier failures
      this.backoff = 1;
    }
    if (this.rung + 1 < this.ladder.length && counted >= growDwell * this.backoff) {
      const predicted = (this.average * areaOf(this.ladder[this.rung + 1])) / area;
      if (predicted <= headroom * budget) {
        this.grewAt = this.results;
        this.moveTo(this.rung + 1);
      }
    }
    return this.size;
  }

  /** How many times longer the controller now waits before growing (1, doubled per undone growth, at most 32). */
  get growBackoff(): number {
    return this.backoff;
  }

  private moveTo(rung: number): void {
    const prior = (this.average * areaOf(this.ladder[rung])) / areaOf(this.size);
    this.rung = rung;
    this.changed();
    this.average = prior; // the old average scaled by the area, until the new size's own times replace it
  }

  private changed(): void {
    this.atRung = 0;
    this.average = NaN;
  }
}

const longer = (s: Size) => Math.max(s.width, s.height);
const areaOf = (s: Size) => s.width * s.height;
const roundUp = (v: number) => Math.ceil(v / SIZE_MULTIPLE - 1e-9) * SIZE_MULTIPLE;

/** The input scale (input px per source px) that keeps a `minFaceSize` face at `smallestFace` input px. */
export const minInputScale = (minFaceSize: number, smallestFace: number): number => smallestFace / minFaceSize;

function buildLadder(source: Size, smallestFace: number, o: Required<AdaptiveInputSizeOptions>): Readonly<Size>[] {
  const side = longer(source);
  const sizeAt = (longSide: number): Readonly<Size> => {
    const s = longSide / side;
    return Object.freeze({ width: Math.max(SIZE_MULTIPLE, roundUp(source.width * s)), height: Math.max(SIZE_MULTIPLE, roundUp(source.height * s)) });
  };
  const fits = (size: Size) => size.width <= o.maxInputSize.width && size.height <= o.maxInputSize.height;
  // The bound first: the smallest longer side (a multiple of 32) whose scale reaches minInputScale.
  const lowest = Math.max(SIZE_MULTIPLE, roundUp(side * minInputScale(o.minFaceSize, smallestFace)));
  const ladder = [sizeAt(Math.min(lowest, MAX_INPUT_SIDE))];
  for (let long = lowest + SIZE_MULTIPLE; long <= Math.min(side * o.maxScale, MAX_INPUT_SIDE) + 1e-9; long += SIZE_MULTIPLE) {
    const size = sizeAt(long);
    if (!fits(size)) break;
    ladder.push(size);
  }
  return ladder;
}

function nearestRung(ladder: readonly Size[], longSide: number): number {
  let best = 0;
  for (let i = 1; i < ladder.length; i++) if (Math.abs(longer(ladder[i]) - longSide) < Math.abs(longer(ladder[best]) - longSide)) best = i;
  return best;
}

/** The options with their defaults; throws `InvalidInputError` naming a bad or unknown one. */
export function resolveAdaptiveInputSizeOptions(options: AdaptiveInputSizeOptions = {}): Required<AdaptiveInputSizeOptions> {
  if (options === null || typeof options !== 'object') throw new InvalidInputError(`Adaptive size options must be an object; got ${String(options)}.`);
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_ADAPTIVE_INPUT_SIZE_OPTIONS)) {
      throw new InvalidInputError(`Unknown adaptive size option "${key}"; known: ${Object.keys(DEFAULT_ADAPTIVE_INPUT_SIZE_OPTIONS).join(', ')}.`);
    }
  }
  const o = { ...DEFAULT_ADAPTIVE_INPUT_SIZE_OPTIONS, ...options };
  const positive = (key: 'targetFps' | 'minFaceSize' | 'maxScale' | 'initialSide', v: number) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InvalidInputError(`${key} must be a finite number above 0; got ${String(v)}.`);
  };
  positive('targetFps', o.targetFps);
  positive('minFaceSize', o.minFaceSize);
  positive('maxScale', o.maxScale);
  positive('initialSide', o.initialSide);
  const share = (key: 'smoothing' | 'headroom', v: number) => {
    if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw new InvalidInputError(`${key} must be a number above 0 and at most 1; got ${String(v)}.`);
  };
  share('smoothing', o.smoothing);
  share('headroom', o.headroom);
  for (const key of ['growDwell', 'shrinkDwell'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new InvalidInputError(`${key} must be a whole number ≥ 1; got ${String(o[key])}.`);
  }
  const m = o.maxInputSize;
  if (!m || !Number.isInteger(m.width) || !Number.isInteger(m.height) || m.width < SIZE_MULTIPLE || m.height < SIZE_MULTIPLE || m.width > MAX_INPUT_SIDE || m.height > MAX_INPUT_SIDE) {
    throw new InvalidInputError(`maxInputSize must be {width, height}, each a whole number from ${SIZE_MULTIPLE} to ${MAX_INPUT_SIDE}; got ${JSON.stringify(m)}.`);
  }
  return o;
}
