import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/index.ts';
import {
  evaluateWider,
  parseWiderPredictionFile,
  predictionsFromDetectResults,
  vocAveragePrecision,
  type GroundTruth,
  type GroundTruthImage,
  type ImagePredictions,
  type WiderSetting,
} from '../../../src/eval/index.ts';

// Worked examples of the official protocol (src/eval/wider-evaluation.ts), small enough to compute by hand.
type Box = [x: number, y: number, w: number, h: number];
const ALL = { easy: true, medium: true, hard: true };
const HARD_ONLY = { easy: false, medium: false, hard: true };

function image(name: string, faces: [Box, Partial<Record<WiderSetting, boolean>>][]): GroundTruthImage {
  const keep = (s: WiderSetting) => Uint32Array.from(faces.flatMap(([, k], i) => (k[s] ? [i] : [])));
  return {
    event: 'e',
    name,
    boxes: Float64Array.from(faces.flatMap(([b]) => b)),
    keep: { easy: keep('easy'), medium: keep('medium'), hard: keep('hard') },
    invalid: new Uint8Array(faces.length),
  };
}
const truth = (...images: GroundTruthImage[]): GroundTruth => ({ images });
const predicted = (name: string, detections: [Box, number][], event = 'e'): ImagePredictions => ({
  event,
  name,
  boxes: Float64Array.from(detections.flatMap(([b]) => b)),
  scores: Float64Array.from(detections.map(([, s]) => s)),
});
const aps = (r: { easy: number; medium: number; hard: number }) => [r.easy, r.medium, r.hard];

describe('evaluateWider: worked examples', () => {
  it('two faces found, one false positive: AP 1; the curve at 4 thresholds counts detections with score >= threshold', () => {
    const gt = truth(image('a', [[[0, 0, 10, 10], ALL], [[100, 0, 10, 10], ALL]]));
    // Scores normalise to 1, 0.5, 0 (min 0, max 1); thresholds with 4 steps: 0.75, 0.5, 0.25, 0.
    const p = predicted('a', [[[0, 0, 10, 10], 1], [[101, 0, 10, 10], 0.5], [[300, 300, 10, 10], 0]]);
    const r = evaluateWider([p], gt, { thresholdCount: 4 });
    // 0.5 passes the threshold 0.5 (>=): two detections at t = 1, the false positive only at t = 3.
    expect([...r.curves.easy.precision]).toEqual([1, 1, 1, 2 / 3]);
    expect([...r.curves.easy.recall]).toEqual([0.5, 1, 1, 1]);
    expect(r.faces).toEqual({ easy: 2, medium: 2, hard: 2 });
    expect(aps(evaluateWider([p], gt))).toEqual([1, 1, 1]);
  });

  it('IoU with the +1 convention on corners x + w: exactly 0.5 is a match (>=)', () => {
    // Face x 0..29 and detection x 10..39 (w 29): with +1, intersection 20 x 30 and union 40 x 30 → IoU 0.5.
    // Without the +1 it would be 19/39 < 0.5, and with x2 = x + w − 1 the same: no match.
    const gt = truth(image('a', [[[0, 0, 29, 29], ALL]]));
    const far: [Box, number] = [[300, 300, 29, 29], 0.1];
    expect(evaluateWider([predicted('a', [[[10, 0, 29, 29], 0.8], far])], gt).easy).toBe(1);
    expect(evaluateWider([predicted('a', [[[11, 0, 29, 29], 0.8], far])], gt).easy).toBe(0);
  });

  it('all scores equal (e.g. a single detection): max − min = 0, every normalised score is 0/0, nothing passes: AP 0', () => {
    // The official norm_score divides by max − min without a check; NaN >= threshold is false everywhere.
    const gt = truth(image('a', [[[0, 0, 20, 20], ALL]]));
    expect(evaluateWider([predicted('a', [[[0, 0, 20, 20], 0.8]])], gt).easy).toBe(0);
    expect(evaluateWider([predicted('a', [[[0, 0, 20, 20], 0.8], [[0, 0, 20, 20], 0.7]])], gt).easy).toBe(1);
  });

  it('faces outside the setting neither count as misses nor turn their detections into false positives', () => {
    // Face A in every setting, face C only in hard (the official gt_list). Detections: on C (0.9), on A (0.6), a false positive (0.1).
    const gt = truth(image('a', [[[0, 0, 20, 20], ALL], [[100, 100, 20, 20], HARD_ONLY]]));
    const p = predicted('a', [[[100, 100, 20, 20], 0.9], [[0, 0, 20, 20], 0.6], [[300, 300, 20, 20], 0.1]]);
    const r = evaluateWider([p], gt);
    expect(r.faces).toEqual({ easy: 1, medium: 1, hard: 2 });
    // easy: while only the detection of C passes, it is ignored: 0 detections counted, precision 0/0 (NaN, as in
    // the official code), recall 0. Then A is found (precision 1), then the false positive (precision 1/2).
    expect(r.curves.easy.precision[0]).toBeNaN();
    expect(r.curves.easy.recall[0]).toBe(0);
    expect(r.curves.easy.precision[999]).toBe(0.5);
    expect(r.curves.easy.recall[999]).toBe(1);
    expect(aps(r)).toEqual([1, 1, 1]);
  });

  it('a second detection of a face found already is a false positive (duplicates are not ignored)', () => {
    const gt = truth(image('a', [[[0, 0, 20, 20], ALL], [[100, 0, 20, 20], ALL]]));
    // On A (0.9), on A again (0.7), on B (0.5) → normalised 1, 0.5, 0.
    const p = predicted('a', [[[0, 0, 20, 20], 0.9], [[1, 0, 20, 20], 0.7], [[100, 0, 20, 20], 0.5]]);
    // Curve: (R 0.5, P 1), (0.5, 0.5), (1, 2/3) → AP = 0.5 x 1 + 0.5 x 2/3.
    expect(evaluateWider([p], gt).easy).toBeCloseTo(0.5 + 1 / 3, 15);
  });

  it('each detection takes its best face even when that face is taken: there is no second choice', () => {
    // A and A' overlap. Detection 2 has IoU 0.94 with A (taken by detection 1) and 0.77 with A': a false positive,
    // A' stays missed. AP 0.5 (a matcher with a second choice would say 1).
    const gt = truth(image('a', [[[0, 0, 30, 30], ALL], [[5, 0, 30, 30], ALL]]));
    const p = predicted('a', [[[0, 0, 30, 30], 0.9], [[1, 0, 30, 30], 0.5]]);
    expect(evaluateWider([p], gt).easy).toBe(0.5);
  });

  it('scores are normalised over all predictions with min starting at 1 and max at 0, images outside the ground truth included', () => {
    const gt = truth(image('a', [[[0, 0, 20, 20], ALL], [[100, 0, 20, 20], ALL]]));
    const p = predicted('a', [[[0, 0, 20, 20], 1], [[100, 0, 20, 20], 0.625]]);
    // Alone: min 0.625, max 1 → the second detection normalises to 0 and passes only the last of 4 thresholds.
    expect([...evaluateWider([p], gt, { thresholdCount: 4 }).curves.easy.recall]).toEqual([0.5, 0.5, 0.5, 1]);
    // A predicted image that is not in the ground truth, scored 0.25, moves min: 0.375 / 0.75 = 0.5 passes t = 1.
    const other = predicted('elsewhere', [[[0, 0, 5, 5], 0.25]], 'photos');
    const r = evaluateWider([p, other], gt, { thresholdCount: 4 });
    expect([...r.curves.easy.recall]).toEqual([0.5, 1, 1, 1]);
    expect(r.images).toEqual({ evaluated: 1, groundTruth: 1, notInGroundTruth: ['photos/elsewhere'] });
    // Scores above 1: min stays 1 (python's start), so 3 and 2 normalise to 1 and 0.5, not 1 and 0.
    const big = predicted('a', [[[0, 0, 20, 20], 3], [[100, 0, 20, 20], 2]]);
    expect([...evaluateWider([big], gt, { thresholdCount: 4 }).curves.easy.recall]).toEqual([0.5, 1, 1, 1]);
  });

  it('detections are sorted by score within an image (MATLAB read_pred): file order does not matter', () => {
    const gt = truth(image('a', [[[0, 0, 20, 20], ALL], [[100, 0, 20, 20], ALL], [[200, 0, 20, 20], HARD_ONLY]]));
    const dets: [Box, number][] = [[[0, 0, 20, 20], 0.9], [[300, 0, 20, 20], 0.8], [[100, 0, 20, 20], 0.3], [[200, 0, 20, 20], 0.2]];
    const sorted = evaluateWider([predicted('a', dets)], gt);
    const reversed = evaluateWider([predicted('a', [...dets].reverse())], gt);
    expect(aps(reversed)).toEqual(aps(sorted));
    expect(sorted.easy).toBeCloseTo(0.5 + 0.5 * (2 / 3), 15);
  });

  it('empty predictions: faces count as missed; images without a predictions entry are left out unless images: all', () => {
    const gt = truth(image('a', [[[0, 0, 20, 20], ALL]]), image('b', [[[0, 0, 20, 20], ALL], [[50, 0, 20, 20], ALL]]));
    const found = predicted('a', [[[0, 0, 20, 20], 0.9], [[300, 0, 20, 20], 0.1]]);
    const subset = evaluateWider([found], gt);
    expect(subset.faces.easy).toBe(1);
    expect(subset.images).toEqual({ evaluated: 1, groundTruth: 2, notInGroundTruth: [] });
    expect(subset.easy).toBe(1);
    // An entry with no faces is an image evaluated: its two faces are misses. So is every image with images: 'all'.
    const withEmpty = evaluateWider([found, predicted('b', [])], gt);
    const all = evaluateWider([found], gt, { images: 'all' });
    for (const r of [withEmpty, all]) {
      expect(r.faces.easy).toBe(3);
      expect(r.images.evaluated).toBe(2);
      expect(r.easy).toBeCloseTo(1 / 3, 15);
    }
    // Nothing detected anywhere: precision 0/0 throughout, AP 0 (not NaN), as the official code gives.
    expect(evaluateWider([predicted('a', []), predicted('b', [])], gt).easy).toBe(0);
    // A setting without faces has no AP.
    expect(evaluateWider([found], truth(image('a', [[[0, 0, 20, 20], HARD_ONLY]]))).easy).toBeNaN();
  });

  it('refuses bad options and inconsistent predictions with typed errors', () => {
    const gt = truth(image('a', [[[0, 0, 20, 20], ALL]]));
    const p = predicted('a', [[[0, 0, 20, 20], 0.9]]);
    expect(() => evaluateWider([p, p], gt)).toThrow('The predictions list image e/a twice.');
    expect(() => evaluateWider([{ ...p, scores: new Float64Array(2) }], gt)).toThrow(/4 box values for 2 scores/);
    expect(() => evaluateWider([p], gt, { iouThreshold: 2 })).toThrow(InvalidInputError);
    expect(() => evaluateWider([p], gt, { thresholdCount: 0 })).toThrow(/thresholdCount must be a positive integer/);
    expect(() => evaluateWider([p], gt, { images: 'some' as 'all' })).toThrow(/images must be 'predicted' or 'all'/);
  });
});

describe('vocAveragePrecision (voc_ap)', () => {
  it('sentinels, the precision envelope from the right, Δrecall x precision where recall changes', () => {
    expect(vocAveragePrecision([0.5, 0.5, 1], [1, 0.5, 2 / 3])).toBeCloseTo(0.5 + 1 / 3, 15);
    expect(vocAveragePrecision([0.25, 0.5], [0.5, 1])).toBe(0.5); // the envelope lifts the first point to 1
    expect(vocAveragePrecision([0, 0, 1], [NaN, NaN, 0.5])).toBe(0.5);
    expect(vocAveragePrecision([NaN], [NaN])).toBeNaN();
  });
});

describe('prediction loaders', () => {
  it('the CLI JSON: event = folder name, name = file name without extension, boxes as they are', () => {
    const [p] = predictionsFromDetectResults([
      { file: '../shared/testdata/wider-val-120/images/0--Parade/0_Parade_Parade_0_102.jpg', width: 1, height: 1, faces: [{ box: { x: 1.5, y: 2, width: 3.25, height: 4 }, score: 0.75, landmarks: [] }] },
    ]);
    expect(p.event).toBe('0--Parade');
    expect(p.name).toBe('0_Parade_Parade_0_102');
    expect([...p.boxes, ...p.scores]).toEqual([1.5, 2, 3.25, 4, 0.75]);
    expect(() => predictionsFromDetectResults({ images: [] })).toThrow(/expected a JSON array/);
    expect(() => predictionsFromDetectResults([{ file: 'a.jpg', faces: [{ box: { x: 1, y: 2, width: 3 }, score: 1 }] }])).toThrow(/a\.jpg, face 0 needs numbers/);
  });

  it('WIDER txt as the python port reads it: name from line 1 (basename, rstrip(".jpg")), count line unread, blank lines skipped', () => {
    const text = '0--Parade/0_Parade_Parade_0_102.jpg\n99\n10 20 30 40 0.9\n\n 5 5 5 5 0.1\n1.5 2 3 4 0.25 extra\r\n';
    const p = parseWiderPredictionFile(text, '0--Parade');
    expect(p.name).toBe('0_Parade_Parade_0_102');
    expect([...p.scores]).toEqual([0.9, 0.25]); // the line starting with a space is skipped, like the python port does
    expect([...p.boxes]).toEqual([10, 20, 30, 40, 1.5, 2, 3, 4]);
    // rstrip('.jpg') strips characters, not the suffix: a name ending in 'g' loses it, as in the official code.
    expect(parseWiderPredictionFile('my_img.jpg\n0\n', 'e').name).toBe('my_im');
    expect(() => parseWiderPredictionFile('a\n1\n1 2 3 0.5\n', 'e', 'a.txt')).toThrow('a.txt, line 3: expected "x y w h score", got "1 2 3 0.5".');
    expect(() => parseWiderPredictionFile('a\n1\n1 2 3 4 high\n', 'e', 'a.txt')).toThrow('a.txt, line 3: "high" is not a number.');
    expect(() => parseWiderPredictionFile('', 'e', 'a.txt')).toThrow('a.txt: its first line must name the image.');
  });
});
