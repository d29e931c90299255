// Velocity of noisy samples: the finite difference of successive values, low-passed with a time-aware
// smoothing factor. A bank of independent scalar channels in typed arrays, like the One Euro filter bank.
import { InvalidInputError } from '../core/index.ts';
import { grown, smoothingFactor } from './one-euro-filter.ts';

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
  private readonly one = new Float64Array(1);

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
    this.lastValue = grown(this.lastValue, size, 0);
    this.velocity = grown(this.velocity, size, 0);
    this.time = grown(this.time, size, NaN);
    this.samples = grown(this.samples, size, 0);
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

  /** Adds a sample. A sample not later than the channel's last one is ignored. */
  update(channel: number, x: number, timeMs: number): void {
    this.one[0] = x;
    this.updateRow(channel, this.one, 0, 1, timeMs);
  }

  /** Adds `count` samples taken at `timeMs`, `values[offset …]`, to channels `first …` (the hot path). */
  updateRow(first: number, values: Float64Array, offset: number, count: number, timeMs: number): void {
    for (let i = 0; i < count; i++) {
      const channel = first + i;
      const x = values[offset + i];
      const n = this.samples[channel];
      if (n === 0) {
        this.lastValue[channel] = x;
        this.time[channel] = timeMs;
        this.velocity[channel] = 0;
        this.samples[channel] = 1;
        continue;
      }
      const dt = timeMs - this.time[channel];
      if (!(dt > 0)) continue;
      const difference = (x - this.lastValue[channel]) / dt;
      const v = this.velocity[channel];
      this.velocity[channel] = n === 1 ? difference : v + smoothingFactor(this.cutoffHz, dt / 1000) * (difference - v);
      this.samples[channel] = 2;
      this.lastValue[channel] = x;
      this.time[channel] = timeMs;
    }
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
