// What every peer adapter gives the harness: one detector, created with its settings, that turns a decoded image
// into faces in the project's `Face` schema (box = top-left corner + size in source pixels, score in [0, 1]).
import type { Face } from '../../../src/index.ts';

export type { Face };

export interface PeerDetector {
  /** What runs the network, for the report (e.g. "onnxruntime-web 1.30 WASM"). */
  runtime: string;
  /** The threads it actually runs on, as its runtime reports them. */
  threads: number;
  /** Detects faces at or above `scoreThreshold`. One call at a time. */
  detect(image: ImageBitmap, scoreThreshold: number): Promise<Face[]>;
}

/** Creates a detector from the spec's `config` (see `detectors.ts`) and the score threshold it will mostly run at. */
export type CreatePeerDetector = (config: Record<string, unknown>, scoreThreshold: number) => Promise<PeerDetector>;

/** A box given by its two corners, as most peers return them. */
export const boxFromCorners = (x1: number, y1: number, x2: number, y2: number): Face['box'] => ({ x: x1, y: y1, width: x2 - x1, height: y2 - y1 });

/** A canvas with the image drawn on it, for peers that read canvases rather than bitmaps. */
export function canvasOf(image: ImageBitmap, canvas = document.createElement('canvas')): HTMLCanvasElement {
  if (canvas.width !== image.width || canvas.height !== image.height) [canvas.width, canvas.height] = [image.width, image.height];
  canvas.getContext('2d')!.drawImage(image, 0, 0);
  return canvas;
}
