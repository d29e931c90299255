// The One Euro filter bank against a plain implementation of the paper's pseudocode (Casiez et al., CHI 2012,
// Algorithm 1), and what it is for: much less jitter on a still signal, less lag on a ramp than a moving average
// that removes as much jitter.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/index.ts';
import { DEFAULT_ONE_EURO, OneEuroFilterBank, type OneEuroParams } from '../../../src/tracking/index.ts';
import { gaussian, seededRandom } from '../../support/synthetic-faces.ts';

/** The paper's pseudocode, as written: LowPassFilter with hatxprev, OneEuroFilter(x, timestamp) with rate = 1/Tₑ. */
class PaperLowPassFilter {
  private first = true;
  hatxprev = 0;
  filter(x: number, alpha: number): number {
    const hatx = this.first ? x : alpha * x + (1 - alpha) * this.hatxprev;
    this.first = false;
    this.hatxprev = hatx;
    return hatx;
  }
}

class PaperOneEuroFilter {
  private first = true;
  private readonly xfilt = new PaperLowPassFilter();
  private readonly dxfilt = new PaperLowPassFilter();
  private lastTime = 0;
  constructor(private readonly p: OneEuroParams) {}
  private alpha(rate: number, cutoff: number): number {
    const tau = 1 / (2 * Math.PI * cutoff);
    const te = 1 / rate;
    return 1 / (1 + tau / te);
  }
  /** `timestamp` in seconds. */
  filter(x: number, timestamp: number): number {
    if (this.first) {
      this.first = false;
      this.lastTime = timestamp;
      this.dxfilt.filter(0, 1);
      return this.xfilt.filter(x, 1);
    }
    const rate = 1 / (timestamp - this.lastTime);
    this.lastTime = timestamp;
    const dx = (x - this.xfilt.hatxprev) * rate;
    const edx = this.dxfilt.filter(dx, this.alpha(rate, this.p.derivateCutoff));
    const cutoff = this.p.minCutoff + this.p.beta * Math.abs(edx);
    return this.xfilt.filter(x, this.alpha(rate, cutoff));
  }
}

const PARAMS: OneEuroParams[] = [DEFAULT_ONE_EURO, { minCutoff: 1, beta: 0.007, derivateCutoff: 1 }, { minCutoff: 0.5, beta: 3, derivateCutoff: 2 }];

/** A moving signal with noise sampled at irregular intervals (10-80 ms), times in ms. */
function irregularSignal(seed: number, n: number): { t: number[]; x: number[] } {
  const random = seededRandom(seed);
  const t: number[] = [];
  const x: number[] = [];
  let time = 1000;
  for (let i = 0; i < n; i++) {
    time += 10 + 70 * random();
    t.push(time);
    x.push(100 + 40 * Math.sin(time / 400) + (i > n / 2 ? 0.2 * (time - 1000) : 0) + 2 * gaussian(random));
  }
  return { t, x };
}

describe('OneEuroFilterBank', () => {
  it('equals the paper’s pseudocode on irregular intervals, for several parameter sets and value scales', () => {
    for (const params of PARAMS) {
      for (const scale of [1, 1 / 80]) {
        const { t, x } = irregularSignal(7, 400);
        const bank = new OneEuroFilterBank(params, 3);
        // The bank multiplies the speed by the scale before beta: the paper's filter with beta · scale.
        const reference = new PaperOneEuroFilter({ ...params, beta: params.beta * scale });
        let worst = 0;
        for (let i = 0; i < t.length; i++) {
          const ours = bank.filter(1, x[i], t[i], scale);
          const theirs = reference.filter(x[i], t[i] / 1000);
          worst = Math.max(worst, Math.abs(ours - theirs));
        }
        expect(worst, `${JSON.stringify(params)} scale ${scale}`).toBeLessThan(1e-9);
      }
    }
  });

  it('keeps channels independent, passes the first sample through, holds on a repeated time', () => {
    const bank = new OneEuroFilterBank(DEFAULT_ONE_EURO, 2);
    expect(bank.filter(0, 5, 0)).toBe(5);
    expect(bank.filter(1, -3, 0)).toBe(-3);
    const a = bank.filter(0, 6, 33);
    expect(a).toBeGreaterThan(5);
    expect(a).toBeLessThan(6);
    expect(bank.filter(0, 100, 33)).toBe(a); // same time: state kept, last value returned
    expect(bank.filter(0, 100, 20)).toBe(a); // earlier time too
    expect(bank.last(1)).toBe(-3);
    bank.reset(0);
    expect(Number.isNaN(bank.last(0))).toBe(true);
    expect(bank.filter(0, 42, 50)).toBe(42);
  });

  it('grows without losing state, and moves channels', () => {
    const a = new OneEuroFilterBank(DEFAULT_ONE_EURO, 1);
    const b = new OneEuroFilterBank(DEFAULT_ONE_EURO, 8);
    for (let i = 0; i < 20; i++) {
      a.filter(0, i, i * 33);
      b.filter(0, i, i * 33);
    }
    a.reserve(5);
    expect(a.capacity).toBeGreaterThanOrEqual(5);
    expect(a.filter(0, 20, 20 * 33)).toBe(b.filter(0, 20, 20 * 33));
    a.move(0, 4, 1);
    expect(a.filter(4, 21, 21 * 33)).toBe(b.filter(0, 21, 21 * 33));
  });

  it('lets a long gap through almost unchanged (the interval is the real one)', () => {
    const bank = new OneEuroFilterBank(DEFAULT_ONE_EURO, 1);
    for (let i = 0; i < 30; i++) bank.filter(0, 10, i * 33);
    const afterGap = bank.filter(0, 50, 29 * 33 + 10_000);
    expect(afterGap).toBeGreaterThan(49);
    const afterFrame = new OneEuroFilterBank(DEFAULT_ONE_EURO, 1);
    for (let i = 0; i < 30; i++) afterFrame.filter(0, 10, i * 33);
    expect(afterFrame.filter(0, 50, 30 * 33)).toBeLessThan(afterGap);
  });

  it('refuses bad parameters with a typed error naming them', () => {
    expect(() => new OneEuroFilterBank({ ...DEFAULT_ONE_EURO, minCutoff: 0 })).toThrow(InvalidInputError);
    expect(() => new OneEuroFilterBank({ ...DEFAULT_ONE_EURO, beta: -1 })).toThrow(/beta/);
    expect(() => new OneEuroFilterBank({ ...DEFAULT_ONE_EURO, derivateCutoff: Number.NaN })).toThrow(/derivateCutoff/);
  });
});

describe('smoothing a face coordinate (defaults, speed in face sizes: scale 1/100 px)', () => {
  const FPS = 30;
  const SCALE = 1 / 100;
  const std = (a: number[]) => {
    const m = a.reduce((s, v) => s + v, 0) / a.length;
    return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
  };
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

  /** A still coordinate at 200 px with 1 px of Gaussian jitter, 10 s at 30 fps. */
  const still = (() => {
    const random = seededRandom(3);
    return Array.from({ length: 300 }, () => 200 + gaussian(random));
  })();

  const smooth = (values: number[]) => {
    const bank = new OneEuroFilterBank(DEFAULT_ONE_EURO, 1);
    return values.map((v, i) => bank.filter(0, v, (i * 1000) / FPS, SCALE));
  };

  it('cuts the jitter of a still coordinate ≥ 3× with a mean offset ≤ 1 px', () => {
    const out = smooth(still);
    expect(std(still) / std(out)).toBeGreaterThanOrEqual(3);
    expect(Math.abs(mean(out) - mean(still))).toBeLessThanOrEqual(1);
  });

  it('lags a 200 px/s ramp less than a moving average that removes as much jitter', () => {
    // The moving average of N samples cuts white noise by √N; take the N that matches the filter on the still
    // signal, and compare the steady lag of both on a noiseless ramp of 200 px/s (2 face sizes a second).
    const ratio = std(still) / std(smooth(still));
    const n = Math.ceil(ratio * ratio);
    const movingAverage = (values: number[]) => values.map((_, i) => mean(values.slice(Math.max(0, i - n + 1), i + 1)));
    expect(std(still) / std(movingAverage(still))).toBeGreaterThanOrEqual(ratio * 0.9);

    const ramp = Array.from({ length: 90 }, (_, i) => 200 + (200 * i) / FPS);
    const last = ramp.length - 1;
    const filterLag = ramp[last] - smooth(ramp)[last];
    const averageLag = ramp[last] - movingAverage(ramp)[last];
    expect(averageLag).toBeCloseTo(((n - 1) / 2) * (200 / FPS), 6);
    expect(filterLag).toBeGreaterThan(0);
    expect(filterLag).toBeLessThan(averageLag / 4);
  });
});
