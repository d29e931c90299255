/** Calls `f`, expecting it to throw; returns the error (and fails the test if nothing was thrown). */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
