/**
 * An optional dependency the command needs is not installed. The CLI prints its message on one line, with no
 * stack: it is the user's to fix, not a bug.
 */
export class MissingDependencyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MissingDependencyError';
  }
}
