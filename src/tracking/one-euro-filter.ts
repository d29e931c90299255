// The One Euro filter (Casiez, Roussel and Vogel, "1€ Filter: A Simple Speed-based Low-pass Filter for Noisy
// Input in Interactive Systems", CHI 2012): a first-order low-pass whose cutoff rises with the signal's speed, so
// that a still signal is smoothed hard (no jitter) and a moving one hardly at all (little lag).
import { InvalidInputError } from '../core/index.ts';

/**
 * The filter's three parameters (the paper's names; `derivateCutoff` as MediaPipe spells it). The defaults were
 * chosen on this project's fake-camera clips (tests/support/clips.ts) at 30 results a second: on the still clip
 * they cut landmark jitter about 4× and on the 200 px/s pan they lag the raw boxes by about 2.5 px (13 ms; see
 * the README).
 */
export interface OneEuroParams {
  /**
   * The cutoff frequency at rest, in Hz: lower removes more jitter from a still face but lags more when it drifts
   * slowly. Defaults to 0.1 (`DEFAULT_ONE_EURO.minCutoff`).
   */
  minCutoff: number;
  /**
   * How fast the cutoff rises with speed: cutoff = minCutoff + beta · |speed| · valueScale, in Hz per unit of
   * scaled speed. The face tracker scales by 1 / face size, so its speed is in face sizes per second and its
   * beta does not depend on how large the face is. Higher means less lag when moving, more jitter when moving.
   * Defaults to 8 (`DEFAULT_ONE_EURO.beta`).
   */
  beta: number;
  /**
   * The cutoff of the speed estimate, in Hz. The paper suggests 1; 0.3 keeps the noise of a still face from
   * opening the cutoff, and motion still opens it within a few frames. Defaults to 0.3
   * (`DEFAULT_ONE_EURO.derivateCutoff`).
   */
  derivateCutoff: number;
}

export const DEFAULT_ONE_EURO: Readonly<OneEuroParams> = Object.freeze({ minCutoff: 0.1, beta: 8, derivateCutoff: 0.3 });

/** Throws `InvalidInputError` naming the first bad parameter (`what` prefixes the names, e.g. "smoothing."). */
export function checkOneEuroParams(params: OneEuroParams, what = ''): void {
  for (const key of ['minCutoff', 'derivateCutoff'] as const) {
    const v = params[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new InvalidInputError(`${what}${key} must be a finite number of Hz above 0; got ${String(v)}.`);
    }
  }
  const b = params.beta;
  if (typeof b !== 'number' || !Number.isFinite(b) || b < 0) {
    throw new InvalidInputError(`${what}beta must be a finite number ≥ 0; got ${String(b)}.`);
  }
}

/** The smoothing factor of a first-order low-pass with cutoff `hz` over `seconds` (the paper's α = 1 / (1 + τ/Tₑ)). */
export function smoothingFactor(hz: number, seconds: number): number {
  const r = 2 * Math.PI * hz * seconds;
  return r / (r + 1);
}

/**
 * A bank of independent scalar One Euro filters ("channels") sharing one set of parameters, its state in typed
 * arrays. `filter()` allocates nothing; `reserve()` grows the arrays (the only allocation).
 *
 * Time is in milliseconds and need not be regular: each sample's interval Tₑ is its time minus the channel's
 * previous time, and both low-passes use it (α from Tₑ), so a late result or a gap of missed frames is filtered
 * as the time that really passed (a long gap lets the new value through almost unchanged). A sample at the same
 * time as the previous one, or earlier, leaves the state as it is and returns the last filtered value.
 *
 * The speed is the paper's: (x − x̂ₚᵣₑᵥ) / Tₑ, low-passed at `derivateCutoff` (the 2023 fix of the reference code
 * uses the filtered previous value too). It drives the cutoff only; it is not a velocity estimate (on a ramp it
 * includes the filter's own lag over Tₑ).
 */
export class OneEuroFilterBank {
  private value: Float64Array;
  private speed: Float64Array;
  /** Time of each channel's last sample (ms); NaN when the channel is empty. */
  private time: Float64Array;
  private readonly one = new Float64Array(1);
  readonly params: Readonly<OneEuroParams>;

  constructor(params: OneEuroParams = DEFAULT_ONE_EURO, capacity = 0) {
    checkOneEuroParams(params);
    this.params = { minCutoff: params.minCutoff, beta: params.beta, derivateCutoff: params.derivateCutoff };
    this.value = new Float64Array(capacity);
    this.speed = new Float64Array(capacity);
    this.time = new Float64Array(capacity).fill(NaN);
  }

  get capacity(): number {
    return this.value.length;
  }

  /** Makes room for at least `channels` channels (doubling), keeping the state of the existing ones. */
  reserve(channels: number): void {
    if (channels <= this.value.length) return;
    const size = Math.max(channels, 2 * this.value.length);
    this.value = grown(this.value, size, 0);
    this.speed = grown(this.speed, size, 0);
    this.time = grown(this.time, size, NaN);
  }

  /** Empties `count` channels from `first`: their next sample starts them afresh. */
  reset(first: number, count = 1): void {
    this.time.fill(NaN, first, first + count);
  }

  /** Copies the state of `count` channels from `from` to `to` (for compacting a caller's slots). */
  move(from: number, to: number, count: number): void {
    this.value.copyWithin(to, from, from + count);
    this.speed.copyWithin(to, from, from + count);
    this.time.copyWithin(to, from, from + count);
  }

  /** The channel's last filtered value (NaN when empty). */
  last(channel: number): number {
    return this.time[channel] === this.time[channel] ? this.value[channel] : NaN;
  }

  /**
   * Filters one sample `x` taken at `timeMs` on `channel` and returns the filtered value. `valueScale` multiplies
   * the speed before `beta` (MediaPipe's value scale: 1 / object size makes beta size-independent). Defaults to 1.
   */
  filter(channel: number, x: number, timeMs: number, valueScale = 1): number {
    this.one[0] = x;
    this.filterRow(channel, this.one, 0, 1, timeMs, valueScale);
    return this.one[0];
  }

  /**
   * Filters `count` samples taken at `timeMs`, `values[offset …]`, through channels `first …`, in place: the
   * hot path (no number is returned, so nothing is boxed).
   */
  filterRow(first: number, values: Float64Array, offset: number, count: number, timeMs: number, valueScale = 1): void {
    const { minCutoff, beta, derivateCutoff } = this.params;
    for (let i = 0; i < count; i++) {
      const channel = first + i;
      const x = values[offset + i];
      const previousTime = this.time[channel];
      if (previousTime !== previousTime) {
        this.value[channel] = x;
        this.speed[channel] = 0;
        this.time[channel] = timeMs;
        continue;
      }
      const te = (timeMs - previousTime) / 1000;
      if (!(te > 0)) {
        values[offset + i] = this.value[channel];
        continue;
      }
      const previous = this.value[channel];
      const rawSpeed = (x - previous) / te;
      const speed = this.speed[channel] + smoothingFactor(derivateCutoff, te) * (rawSpeed - this.speed[channel]);
      const cutoff = minCutoff + beta * Math.abs(speed) * valueScale;
      const filtered = previous + smoothingFactor(cutoff, te) * (x - previous);
      this.value[channel] = filtered;
      this.speed[channel] = speed;
      this.time[channel] = timeMs;
      values[offset + i] = filtered;
    }
  }
}

/** A copy of `a` with `size` elements, the new ones set to `fill`. */
export function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, size: number, fill: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  b.fill(fill, a.length);
  return b;
}
