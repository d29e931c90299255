// Velocity of noisy samples: the finite difference of successive values, low-passed with a time-aware
// smoothing factor. A bank of independent scalar channels in typed arrays, like the One Euro filter bank.
import { InvalidInputError } from '../core/index.ts';
import { smoothingFactor } from './one-euro-filter.ts';

/**
 * Cutoff of the velocity low-pass, in Hz: lower is steadier on a still face, higher follows a change of
 * direction sooner. Defaults to 4 Hz.
 */
export const DEFAULT_VELOCITY_CUTOFF = 4;

export function checkVelocityCutoff(hz: number, what = 'velocityCutoff'): void {
  if (typeof hz !== 'number' || !Number.isFinite(hz) || hz <= 0) {
    throw new InvalidInputError(`${what} must be a finite number of Hz above 0; got ${String(hz)}.`);
  }
}

/**
 * Per channel: the last value and its time, and the velocity in units per millisecond. The first sample
 * gives velocity 0; the second, its finite difference; later ones are low-passed at `cutoffHz` with the real
 * interval (differences over a gap of missed frames are as valid as any). On a constant-velocity signal the
 * estimate is unbiased (every difference is the velocity); noise of σ per sample becomes ≈ σ·√2/Tₑ per
 * difference, reduced by the low-pass. `update()` allocates nothing; `reserve()` grows the arrays.
 */
export class VelocityEstimatorBank {
  private lastValue: Float64Array;
  private velocity: Float64Array;
  /** Time of each channel's last sample (ms); NaN when empty. */
  private time: Float64Array;
  /** 0: empty, 1: one sample, 2: a velocity. */
  private samples: Uint8Array;

  constructor(
    readonly cutoffHz = DEFAULT_VELOCITY_CUTOFF,
    capacity = 0,
  ) {
    checkVelocityCutoff(cutoffHz);
    this.lastValue = new Float64Array(capacity);
    this.velocity = new Float64Array(capacity);
    this.time = new Float64Array(capacity).fill(NaN);
    this.samples = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.lastValue.length;
  }

  reserve(channels: number): void {
    if (channels <= this.lastValue.length) return;
    const size = Math.max(channels, 2 * this.lastValue.length);
    const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T, fill: number): T => {
      const b = make(size).fill(fill) as T;
      b.set(a);
      return b;
    };
    this.lastValue = grow(this.lastValue, (n) => new Float64Array(n), 0);
    this.velocity = grow(this.velocity, (n) => new Float64Array(n), 0);
    this.time = grow(this.time, (n) => new Float64Array(n), NaN);
    this.samples = grow(this.samples, (n) => new Uint8Array(n), 0);
  }

  reset(first: number, count = 1): void {
    this.samples.fill(0, first, first + count);
    this.velocity.fill(0, first, first + count);
    this.time.fill(NaN, first, first + count);
  }

  move(from: number, to: number, count: number): void {
    this.lastValue.copyWithin(to, from, from + count);
    this.velocity.copyWithin(to, from, from + count);
    this.time.copyWithin(to, from, from + count);
    this.samples.copyWithin(to, from, from + count);
  }

  /** Adds a raw sample. A sample not later than the channel's last one is ignored. */
  update(channel: number, x: number, timeMs: number): void {
    const n = this.samples[channel];
    if (n === 0) {
      this.lastValue[channel] = x;
      this.time[channel] = timeMs;
      this.velocity[channel] = 0;
      this.samples[channel] = 1;
      return;
    }
    const dt = timeMs - this.time[channel];
    if (!(dt > 0)) return;
    const difference = (x - this.lastValue[channel]) / dt;
    this.velocity[channel] = n === 1 ? difference : this.velocity[channel] + smoothingFactor(this.cutoffHz, dt / 1000) * (difference - this.velocity[channel]);
    this.samples[channel] = 2;
    this.lastValue[channel] = x;
    this.time[channel] = timeMs;
  }

  /** Velocity in units per millisecond (0 until the channel has two samples). */
  velocityOf(channel: number): number {
    return this.velocity[channel];
  }

  /** The channel's last value. */
  lastOf(channel: number): number {
    return this.lastValue[channel];
  }
}
