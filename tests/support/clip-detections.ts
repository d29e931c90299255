// Runs a Node detector over every frame of a y4m clip (decoded in the test, I420 → RGBA).
import type { Face } from '../../src/core/index.ts';
import type { DetectOverrides } from '../../src/options/face-detector-options.ts';
import type { NodeDetector } from '../../src/node/node-detector.ts';
import { i420ToRgba, readY4m } from './y4m.ts';

/** The faces of every frame of the clip at `path`, in order. */
export async function detectClip(detector: NodeDetector, path: string, options?: DetectOverrides): Promise<Face[][]> {
  const video = readY4m(path);
  const rgba = new Uint8Array(video.width * video.height * 4);
  const frames: Face[][] = [];
  for (const frame of video.frames) {
    i420ToRgba(frame, video.width, video.height, rgba);
    frames.push((await detector.detectImage({ data: rgba, width: video.width, height: video.height }, options)).faces);
  }
  return frames;
}
