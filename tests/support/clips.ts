// Fake-camera clips for the video tests (issue 13), made with ffmpeg from the photos in ../shared/testdata/photos
// into .cache/clips/ (git-ignored), each with per-frame ground truth derived from its crop offsets. Nothing here
// is committed but this recipe: `ensureClips()` makes what is missing or out of date, and `npm run clips` runs it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PHOTOS, PROJECT_ROOT } from './paths.ts';

export const CLIPS_DIR = join(PROJECT_ROOT, '.cache', 'clips');
export const CLIP_SIZE = { width: 640, height: 480 } as const;
export const CLIP_FPS = 30;

export type ClipName = 'pan' | 'still' | 'reentry';

/** How a clip is cut from a photo: scaled to `scaledWidth`, then a 640x480 window at (cropX(n), cropY) per frame. */
interface ClipRecipe {
  name: ClipName;
  photo: string;
  scaledWidth: number;
  frames: number;
  cropY: number;
  /** The crop's x offset of frame n, as an ffmpeg expression (evaluated by ffmpeg) ... */
  cropXExpr: string;
  /** ... and the same in JavaScript (the ground truth uses this one). */
  cropX: (n: number) => number;
  what: string;
}

/**
 * Per-frame sensor noise (ffmpeg `noise`, temporal, fixed seed). Without it the repeated frames of the still
 * clip would be bit-identical and so would the detections: a real camera's picture never is.
 */
const NOISE = 'noise=alls=10:allf=t:all_seed=13';

/**
 * The frame's number, drawn into the clip as 8 squares of 16 px in the bottom-left corner (square k white when
 * bit k of the number is set), so that a browser test can tell which frame the fake camera shows
 * (`readFrameStamp` decodes it from the pixels).
 */
export const STAMP = { x: 0, y: CLIP_SIZE.height - 16, square: 16, bits: 8 } as const;
const stampFilter = (): string =>
  [
    `drawbox=x=${STAMP.x}:y=${STAMP.y}:w=${STAMP.square * STAMP.bits}:h=${STAMP.square}:color=black:t=fill`,
    ...Array.from(
      { length: STAMP.bits },
      (_, k) => `drawbox=x=${STAMP.x + STAMP.square * k}:y=${STAMP.y}:w=${STAMP.square}:h=${STAMP.square}:color=white:t=fill:enable='mod(floor(n/${2 ** k}),2)'`,
    ),
  ].join(',');

/** The frame number a clip's stamp says, from RGBA pixels of its strip (STAMP.square high, 8 squares wide). */
export function readFrameStamp(rgba: ArrayLike<number>, stripWidth: number): number {
  let n = 0;
  for (let k = 0; k < STAMP.bits; k++) {
    const x = k * STAMP.square + STAMP.square / 2;
    const y = STAMP.square / 2;
    const i = 4 * (y * stripWidth + x);
    if ((rgba[i] + rgba[i + 1] + rgba[i + 2]) / 3 > 128) n |= 1 << k;
  }
  return n;
}

const RECIPES: readonly ClipRecipe[] = [
  {
    name: 'pan',
    photo: 'vladmandic-sample6.jpg',
    scaledWidth: 1024,
    frames: 58,
    cropY: 30,
    cropXExpr: 'floor(20*n/3)',
    cropX: (n) => Math.floor((20 * n) / 3),
    what: 'a pan to the right at 200 px/s (20/3 px a frame, floored), 4 faces entering and leaving at the edges',
  },
  {
    name: 'still',
    photo: 'vladmandic-sample4.jpg',
    scaledWidth: 1024,
    frames: 60,
    cropY: 0,
    cropXExpr: '130',
    cropX: () => 130,
    what: 'the same frame repeated (4 faces in view) with per-frame sensor noise',
  },
  {
    name: 'reentry',
    photo: 'vladmandic-sample1.jpg',
    scaledWidth: 1152,
    frames: 98,
    cropY: 0,
    cropXExpr: '10*min(n,98-n)',
    cropX: (n) => 10 * Math.min(n, 98 - n),
    what:
      'a pan right at 300 px/s and back (loops seamlessly): the left face leaves the frame for ~26 frames and comes ' +
      'back, the middle one stays in view throughout, the right one enters and leaves',
  },
];

/** One face of a frame's ground truth: the photo's detection moved by the scale and the crop. */
export interface TruthFace {
  /** Which face of the photo this is (stable over the clip: the identity an id should follow). */
  face: number;
  x: number;
  y: number;
  w: number;
  h: number;
  landmarks: [number, number][];
  /** Share of the box inside the frame (1: fully visible, 0: out of view). */
  visible_fraction: number;
}

export interface ClipTruth {
  video: string;
  source_image: string;
  size: [number, number];
  fps: number;
  frames: number;
  what: string;
  how: string;
  box_format: string;
  /** The recipe this was made from (a changed recipe remakes the clip). */
  recipe: string;
  per_frame: { frame: number; crop_x: number; crop_y: number; faces: TruthFace[] }[];
}

export interface Clip {
  name: ClipName;
  /** Absolute path of the .y4m file. */
  video: string;
  truth: ClipTruth;
}

/** An image's size, from ffprobe (it comes with ffmpeg). */
function imageSize(path: string): { width: number; height: number } {
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  const [width, height] = probe.stdout.trim().split(',').map(Number);
  if (probe.status !== 0 || !(width > 0 && height > 0)) throw new Error(`ffprobe cannot read ${path}: ${probe.stderr}`);
  return { width, height };
}

export const hasFfmpeg = (): boolean => spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

/** Why clips cannot be made here, or null when they can. Tests skip with this message. */
export function clipsUnavailable(): string | null {
  if (!hasFfmpeg()) return 'ffmpeg is not installed (apt-get install -y ffmpeg): the video clips cannot be made';
  if (!existsSync(PHOTOS)) return `the photos are missing (${PHOTOS})`;
  return null;
}

interface PhotoFace {
  box: { x: number; y: number; width: number; height: number };
  landmarks: [number, number][];
}

/** The CLI's detections on the full photo at its native size (score ≥ 0.5, the default model). */
function photoFaces(photo: string): { width: number; height: number; faces: PhotoFace[] } {
  const run = spawnSync(process.execPath, ['bin/retinaface-web.js', 'detect', '--size', 'native', join(PHOTOS, photo)], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0) throw new Error(`retinaface-web detect ${photo} failed: ${run.stderr}`);
  const [image] = JSON.parse(run.stdout);
  return { width: image.width, height: image.height, faces: image.faces };
}

/** What the ground truth depends on besides the recipe: the default model file (its size and time). */
function modelStamp(): string {
  const model = join(PROJECT_ROOT, 'public', 'models', 'retinaface-mnet025.onnx');
  if (!existsSync(model)) throw new Error(`The default model is missing (${model}): run npm install.`);
  const { size, mtimeMs } = statSync(model);
  return `${size}@${mtimeMs}`;
}

function visibleFraction(x: number, y: number, w: number, h: number): number {
  if (x >= 0 && y >= 0 && x + w <= CLIP_SIZE.width && y + h <= CLIP_SIZE.height) return 1;
  const iw = Math.max(0, Math.min(CLIP_SIZE.width, x + w) - Math.max(0, x));
  const ih = Math.max(0, Math.min(CLIP_SIZE.height, y + h) - Math.max(0, y));
  return (iw * ih) / (w * h);
}

function makeClip(r: ClipRecipe): Clip {
  const video = join(CLIPS_DIR, `${r.name}.y4m`);
  const truthFile = join(CLIPS_DIR, `${r.name}.gt.json`);
  const { width: photoWidth, height: photoHeight } = imageSize(join(PHOTOS, r.photo));
  // An even height, given explicitly, so that the scale factors below are exactly ffmpeg's.
  const scaledHeight = 2 * Math.round((photoHeight * r.scaledWidth) / photoWidth / 2);
  const filter =
    `scale=${r.scaledWidth}:${scaledHeight},setsar=1,format=rgb24,` +
    `crop=${CLIP_SIZE.width}:${CLIP_SIZE.height}:'${r.cropXExpr}':${r.cropY},${stampFilter()},format=yuv420p,${NOISE}`;
  const args = ['-v', 'error', '-y', '-loop', '1', '-framerate', String(CLIP_FPS), '-i', join(PHOTOS, r.photo), '-vf', filter];
  args.push('-frames:v', String(r.frames), '-f', 'yuv4mpegpipe');
  const key = JSON.stringify({ args: args.map((a) => a.replace(PHOTOS, 'PHOTOS')), model: modelStamp(), truthVersion: 4 });
  if (existsSync(video) && existsSync(truthFile)) {
    const truth: ClipTruth = JSON.parse(readFileSync(truthFile, 'utf8'));
    if (truth.recipe === key) return { name: r.name, video, truth };
  }

  const partial = `${video}.${process.pid}.partial`;
  const made = spawnSync('ffmpeg', [...args, partial], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`ffmpeg failed making ${r.name}: ${made.stderr}`);
  const photo = photoFaces(r.photo);
  const sx = r.scaledWidth / photo.width;
  const sy = scaledHeight / photo.height;
  const per_frame = Array.from({ length: r.frames }, (_, frame) => {
    const crop_x = r.cropX(frame);
    const crop_y = r.cropY;
    const faces = photo.faces.map((f, face): TruthFace => {
      const x = f.box.x * sx - crop_x;
      const y = f.box.y * sy - crop_y;
      const w = f.box.width * sx;
      const h = f.box.height * sy;
      const landmarks = f.landmarks.map(([lx, ly]): [number, number] => [lx * sx - crop_x, ly * sy - crop_y]);
      return { face, x, y, w, h, landmarks, visible_fraction: visibleFraction(x, y, w, h) };
    });
    return { frame, crop_x, crop_y, faces };
  });
  const truth: ClipTruth = {
    video: `${r.name}.y4m`,
    source_image: `testdata/photos/${r.photo}`,
    size: [CLIP_SIZE.width, CLIP_SIZE.height],
    fps: CLIP_FPS,
    frames: r.frames,
    what: r.what,
    how: `ffmpeg ${args
      .map((a) => (a === join(PHOTOS, r.photo) ? `../shared/testdata/photos/${r.photo}` : a))
      .map((a) => (a.includes(',') ? `"${a}"` : a))
      .join(' ')} OUT.y4m`,
    box_format:
      'x,y,w,h and landmarks in frame pixels (boxes may extend past the frame edge): `retinaface-web detect --size ' +
      'native` on the full photo (score >= 0.5), scaled by the clip\'s scale factors and shifted by the crop offset',
    recipe: key,
    per_frame,
  };
  writeFileSync(`${truthFile}.${process.pid}.partial`, JSON.stringify(truth, null, 1));
  renameSync(partial, video);
  renameSync(`${truthFile}.${process.pid}.partial`, truthFile);
  return { name: r.name, video, truth };
}

/** Makes (or finds up to date in .cache/clips/) every clip and its ground truth. Needs ffmpeg. */
export function ensureClips(): Record<ClipName, Clip> {
  const why = clipsUnavailable();
  if (why) throw new Error(why);
  mkdirSync(CLIPS_DIR, { recursive: true });
  return Object.fromEntries(RECIPES.map((r) => [r.name, makeClip(r)])) as Record<ClipName, Clip>;
}

// ---- matching reported boxes to the ground truth ----

export interface BoxLike {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function iou(a: BoxLike, b: BoxLike): number {
  const iw = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = iw * ih;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

export const truthBox = (f: TruthFace): BoxLike => ({ x: f.x, y: f.y, width: f.w, height: f.h });

/** The part of a ground-truth box inside the frame (the detector sees only that). */
function clippedTruthBox(f: TruthFace): BoxLike {
  const x = Math.max(0, f.x);
  const y = Math.max(0, f.y);
  return { x, y, width: Math.min(CLIP_SIZE.width, f.x + f.w) - x, height: Math.min(CLIP_SIZE.height, f.y + f.h) - y };
}

/** IoU with a truth face: the better of the box as annotated and clipped to the frame. */
export const truthIou = (box: BoxLike, f: TruthFace): number =>
  f.visible_fraction <= 0 ? 0 : Math.max(iou(box, truthBox(f)), iou(box, clippedTruthBox(f)));

/**
 * Pairs reported boxes with the truth faces of one frame, greedily by IoU (best first, IoU ≥ `minIou`). Returns,
 * per truth face, the index of its reported box or -1.
 */
export function matchTruth(boxes: readonly BoxLike[], faces: readonly TruthFace[], minIou = 0.5): number[] {
  const pairs: [number, number, number][] = [];
  faces.forEach((f, t) => boxes.forEach((b, i) => {
    const v = truthIou(b, f);
    if (v >= minIou) pairs.push([v, t, i]);
  }));
  pairs.sort((a, b) => b[0] - a[0]);
  const byTruth = faces.map(() => -1);
  const used = new Set<number>();
  for (const [, t, i] of pairs) {
    if (byTruth[t] !== -1 || used.has(i)) continue;
    byTruth[t] = i;
    used.add(i);
  }
  return byTruth;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const clips = ensureClips();
  for (const c of Object.values(clips)) console.log(`${c.video}: ${c.truth.frames} frames — ${c.truth.what}`);
}
