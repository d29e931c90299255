// A YUV4MPEG2 (.y4m) reader for the tests: a header line, then per frame `FRAME…\n` and the I420 planes.
import { readFileSync } from 'node:fs';

export interface Y4mClip {
  width: number;
  height: number;
  fps: number;
  /** The I420 planes of each frame (views into the file's bytes). */
  frames: Uint8Array[];
}

export function readY4m(path: string): Y4mClip {
  const bytes = new Uint8Array(readFileSync(path));
  const headerEnd = bytes.indexOf(0x0a);
  const header = new TextDecoder().decode(bytes.subarray(0, headerEnd)).split(' ');
  if (header[0] !== 'YUV4MPEG2') throw new Error(`${path}: not a y4m file`);
  const field = (tag: string) => header.find((h) => h.startsWith(tag))?.slice(1);
  const width = Number(field('W'));
  const height = Number(field('H'));
  const [num, den] = (field('F') ?? '30:1').split(':').map(Number);
  const colour = field('C') ?? '420jpeg';
  if (!colour.startsWith('420')) throw new Error(`${path}: only 4:2:0 clips are read, not C${colour}`);
  const frameSize = width * height + 2 * (width / 2) * (height / 2);
  const frames: Uint8Array[] = [];
  let at = headerEnd + 1;
  while (at < bytes.length) {
    const lineEnd = bytes.indexOf(0x0a, at);
    if (lineEnd < 0 || new TextDecoder().decode(bytes.subarray(at, at + 5)) !== 'FRAME') throw new Error(`${path}: bad frame header at byte ${at}`);
    frames.push(bytes.subarray(lineEnd + 1, lineEnd + 1 + frameSize));
    at = lineEnd + 1 + frameSize;
  }
  return { width, height, fps: num / den, frames };
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** I420 (limited range, BT.601, as ffmpeg writes it from RGB) to RGBA, into `out` (width·height·4 bytes). */
export function i420ToRgba(frame: Uint8Array, width: number, height: number, out = new Uint8Array(width * height * 4)): Uint8Array {
  const uOffset = width * height;
  const vOffset = uOffset + (width / 2) * (height / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (y >> 1) * (width >> 1) + (x >> 1);
      const Y = 1.164383 * (frame[y * width + x] - 16);
      const U = frame[uOffset + c] - 128;
      const V = frame[vOffset + c] - 128;
      const o = (y * width + x) * 4;
      out[o] = clamp8(Y + 1.596027 * V);
      out[o + 1] = clamp8(Y - 0.391762 * U - 0.812968 * V);
      out[o + 2] = clamp8(Y + 2.017232 * U);
      out[o + 3] = 255;
    }
  }
  return out;
}
