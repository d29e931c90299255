import { InvalidInputError, type Size } from '../../core/index.ts';

/** `WxH` (e.g. 640x480) as a size. */
export function parseSize(text: string, option: string): Size {
  const m = /^(\d+)x(\d+)$/i.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidInputError(`${option} takes WxH (for example 640x480); got "${text}".`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

