import { describe, expect, it } from 'vitest';
import type { Face } from '../../src/core/index.ts';
import { formatG, widerPrediction } from '../../src/node/wider-format.ts';

// Expected strings are what Python's '%g' % float(np.float32(v)) prints (C printf semantics: 6 significant
// digits, exact ties rounded half to even, trailing zeros dropped, exponent form below 1e-4 and from 1e6).
const PYTHON_G: [number, string][] = [
  [0.9646443724632263, '0.964644'],
  [0.12345679104328156, '0.123457'],
  [0.019999999552965164, '0.02'],
  [0.30000001192092896, '0.3'],
  [0.75, '0.75'],
  [1, '1'],
  [0, '0'],
  [0.9999999403953552, '1'],
  [0.9999995231628418, '1'],
  [9.999999747378752e-5, '0.0001'],
  [1.2339999557298142e-5, '1.234e-05'],
  [9.999999747378752e-6, '1e-05'],
  [0.00012345649884082377, '0.000123456'],
  [1234567, '1.23457e+06'],
  [2.5, '2.5'],
  [0.0234375, '0.0234375'],
  [0.0546875, '0.0546875'],
  // Exact decimal ties at the 7th significant digit (float32 values j/128, j/256): half to even.
  [0.5078125, '0.507812'],
  [0.9921875, '0.992188'],
  [0.5234375, '0.523438'],
  [0.01171875, '0.0117188'],
  [123456.5, '123456'],
];

describe('formatG (C %g, as the insightface WIDER writer uses)', () => {
  it.each(PYTHON_G)('%s → %s', (value, expected) => {
    expect(formatG(value)).toBe(expected);
  });
});

describe('widerPrediction (spec §4.1, insightface writer)', () => {
  const face = (x1: number, y1: number, x2: number, y2: number, score: number): Face => ({
    box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 },
    score,
    landmarks: [],
  });

  it('writes the name, the count, then x y w h score per face with %d truncation of x1, y1, x2−x1, y2−y1', () => {
    const f32 = Math.fround;
    const faces = [
      face(f32(10.9), f32(20.2), f32(50.1), f32(60.99), f32(0.987654321)),
      // Truncation toward zero for negative coordinates (%d of a float), widths as float32 differences.
      face(f32(-3.7), f32(-0.5), f32(5.2), f32(7.9), f32(0.5)),
    ];
    expect(widerPrediction('0_Parade_Parade_0_102', faces)).toBe(
      ['0_Parade_Parade_0_102', '2', '10 20 39 40 0.987654', '-3 0 8 8 0.5', ''].join('\n'),
    );
  });

  it('computes widths in float32 like the numpy reference (x2 − x1 rounded to float32 before truncation)', () => {
    // x1 = 0.1 (float32), x2 = 16777216.1 → float32 16777216; the float32 difference rounds to 16777216 while
    // the float64 difference would be 16777215.9 → 16777215.
    const x1 = Math.fround(0.1);
    const x2 = Math.fround(16777216.1);
    const line = widerPrediction('a', [face(x1, 0, x2, 1, 0.5)]).split('\n')[2];
    expect(line).toBe('0 0 16777216 1 0.5');
  });

  it('an image without faces has count 0 and no lines', () => {
    expect(widerPrediction('x', [])).toBe('x\n0\n');
  });
});
