import { expect } from 'vitest';

/** Asserts two numeric arrays are identical (same length, every value ===), naming the first difference. */
export function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, what = 'value'): void {
  expect(actual.length, `${what} count`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i] && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) {
      expect.fail(`${what} ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}
