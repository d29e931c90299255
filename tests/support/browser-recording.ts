// Recording watch() on Chromium's fake camera playing a clip of tests/support/clips.ts (each frame's number is
// stamped in its corner), and the figures of such recordings against the clip's ground truth: ids, landmark
// jitter, box-centre error against the frame on screen. Used by tests/e2e/video-tracking.spec.ts and bench:live.
import type { Page } from '@playwright/test';
import { STAMP, type ClipTruth, type TruthFace } from './clips.ts';

export type Box = { x: number; y: number; width: number; height: number };
export type SeenFace = { id?: number; box: Box; landmarks: [number, number][] };
export interface Recording {
  /** Each result: the frame it was computed on (by its stamp) and its faces. */
  results: { frame: number; time: number; faces: SeenFace[] }[];
  /** Each frame shown: its stamp, and the faces predicted for it and the latest result's (unpredicted) faces. */
  shown: { frame: number; time: number; predicted: SeenFace[]; latest: SeenFace[]; latestFrame: number }[];
  inputSizes: { width: number; height: number }[];
}

/** Watches the fake camera for `ms` and records results and shown frames (in the page). */
export function record(page: Page, options: object, ms: number): Promise<Recording> {
  return page.evaluate(
    async ({ options, ms, stamp }) => {
      const video = document.createElement('video');
      video.muted = true;
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      document.body.append(video);
      await video.play();
      const strip = new OffscreenCanvas(stamp.square * stamp.bits, stamp.square);
      const ctx = strip.getContext('2d', { willReadFrequently: true })!;
      const frameOf = new Map<number, number>();
      const readStamp = () => {
        ctx.drawImage(video, stamp.x, stamp.y, strip.width, strip.height, 0, 0, strip.width, strip.height);
        const px = ctx.getImageData(0, 0, strip.width, strip.height).data;
        let n = 0;
        for (let k = 0; k < stamp.bits; k++) {
          const i = 4 * ((stamp.square / 2) * strip.width + k * stamp.square + stamp.square / 2);
          if ((px[i] + px[i + 1] + px[i + 2]) / 3 > 128) n |= 1 << k;
        }
        return n;
      };
      const copy = (faces: SeenFace[]) => faces.map((f) => ({ id: f.id, box: { ...f.box }, landmarks: f.landmarks.map(([x, y]) => [x, y] as [number, number]) }));
      const detector = await window.rfw.createFaceDetector({ backend: 'wasm', numThreads: 1 });
      const out: Recording = { results: [], shown: [], inputSizes: [] };
      let latest: { frame: number; faces: SeenFace[] } | null = null;
      const watcher = detector.watch(
        video,
        (r) => {
          latest = { frame: frameOf.get(r.frame!.time) ?? -1, faces: copy(r.faces) };
          out.results.push({ frame: latest.frame, time: r.frame!.time, faces: latest.faces });
          out.inputSizes.push(r.inputSize);
        },
        options,
      );
      let running = true;
      const onShown = (_now: number, m: { expectedDisplayTime: number }) => {
        if (!running) return;
        const frame = readStamp();
        frameOf.set(m.expectedDisplayTime, frame);
        if (latest) out.shown.push({ frame, time: m.expectedDisplayTime, predicted: copy(watcher.predict(m.expectedDisplayTime)), latest: latest.faces, latestFrame: latest.frame });
        video.requestVideoFrameCallback(onShown);
      };
      video.requestVideoFrameCallback(onShown);
      await new Promise((r) => setTimeout(r, ms));
      running = false;
      watcher.stop();
      await detector.dispose();
      (video.srcObject as MediaStream).getTracks().forEach((t) => t.stop());
      return out;
    },
    { options, ms, stamp: STAMP },
  );
}

export const iou = (a: Box, b: TruthFace) => {
  const w = Math.min(a.x + a.width, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / (a.width * a.height + b.w * b.h - w * h);
};
/** The ground-truth face a detection is (IoU ≥ 0.5), or undefined. */
export const truthOf = (truth: ClipTruth, frame: number, box: Box): TruthFace | undefined => {
  const faces = truth.per_frame[frame]?.faces ?? [];
  let best: TruthFace | undefined;
  for (const t of faces) if (iou(box, t) >= 0.5 && (!best || iou(box, t) > iou(box, best))) best = t;
  return best;
};
export const centre = (b: Box | TruthFace) => ('w' in b ? [b.x + b.w / 2, b.y + b.h / 2] : [b.x + b.width / 2, b.y + b.height / 2]);
export const distance = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** The results split into passes of the clip (Chromium loops it: a pass ends where the frame number falls). */
export function passes<T extends { frame: number }>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (const r of rows) {
    if (r.frame < 0) continue;
    const last = out.at(-1)?.at(-1);
    if (!last || r.frame < last.frame) out.push([]);
    out.at(-1)!.push(r);
  }
  return out;
}

/** Ids each ground-truth face got while fully in view, per pass of the clip. */
export function idsPerFace(rec: Recording, truth: ClipTruth): Map<number, number[]>[] {
  return passes(rec.results).map((pass) => {
    const ids = new Map<number, number[]>();
    for (const r of pass) {
      for (const f of r.faces) {
        const t = truthOf(truth, r.frame, f.box);
        if (!t || t.visible_fraction < 1 || f.id === undefined) continue;
        ids.set(t.face, [...(ids.get(t.face) ?? []), f.id]);
      }
    }
    return ids;
  });
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));

/** Faces that got more than one id while fully in view, over the passes of the clip; and how many faces were seen. */
export function idSwitches(rec: Recording, truth: ClipTruth): { switched: number; faces: number } {
  let switched = 0;
  let faces = 0;
  for (const ids of idsPerFace(rec, truth)) {
    for (const seen of ids.values()) {
      faces++;
      if (new Set(seen).size > 1) switched++;
    }
  }
  return { switched, faces };
}

/**
 * Landmark jitter (mean over faces and coordinates of the std over results, the first 10 results left out as
 * warm-up) of a smoothed and a raw recording of a still clip, and the mean offset between the two.
 */
export function landmarkJitter(smooth: Recording, raw: Recording, truth: ClipTruth): { raw: number; smooth: number; offset: number; series: number } {
  const series = (rec: Recording) => {
    const s = new Map<string, number[]>();
    for (const r of rec.results.slice(10)) {
      for (const f of r.faces) {
        const g = truthOf(truth, r.frame, f.box);
        if (!g) continue;
        f.landmarks.forEach(([x, y], k) => {
          for (const [c, v] of [['x', x], ['y', y]] as const) s.set(`${g.face}.${k}.${c}`, [...(s.get(`${g.face}.${k}.${c}`) ?? []), v]);
        });
      }
    }
    return s;
  };
  const a = series(smooth);
  const b = series(raw);
  const keys = [...a.keys()].filter((k) => b.has(k) && a.get(k)!.length > 10 && b.get(k)!.length > 10);
  return {
    raw: mean(keys.map((k) => std(b.get(k)!))),
    smooth: mean(keys.map((k) => std(a.get(k)!))),
    offset: mean(keys.map((k) => Math.abs(mean(a.get(k)!) - mean(b.get(k)!)))),
    series: keys.length,
  };
}

/**
 * Mean box-centre error, in px, against the ground truth of the frame on screen: of the latest result's faces as
 * they are, and predicted to that frame's time (`watcher.predict`); over `count` faces × frames.
 */
export function shownFrameError(rec: Recording, truth: ClipTruth): { unpredicted: number; predicted: number; count: number } {
  const predicted: number[] = [];
  const unpredicted: number[] = [];
  for (const s of rec.shown) {
    if (s.latestFrame < 0 || s.latestFrame > s.frame) continue; // the result is from another pass of the clip
    for (const f of s.latest) {
      const g = truthOf(truth, s.latestFrame, f.box);
      const now = g && truth.per_frame[s.frame].faces[g.face];
      if (!g || !now || now.visible_fraction < 1 || f.id === undefined) continue;
      const p = s.predicted.find((q) => q.id === f.id);
      if (!p) continue;
      unpredicted.push(distance(centre(f.box), centre(now)));
      predicted.push(distance(centre(p.box), centre(now)));
    }
  }
  return { unpredicted: mean(unpredicted), predicted: mean(predicted), count: predicted.length };
}
