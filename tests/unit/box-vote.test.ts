import { describe, expect, it } from 'vitest';
import { BoxVoteScratch, boxVote, numpyFloat32Sum } from '../../src/core/index.ts';
import { referenceBoxVote, referencePairwiseSum, type ReferenceVoteBox } from '../reference/reference-box-vote.ts';
import { seededRandom } from '../support/synthetic-faces.ts';

type Row = [number, number, number, number, number];

/** Runs the core vote on rows sorted best first; returns the groups in the reference's shape. */
function coreVote(rows: Row[], iou = 0.4, maxGroups = 750, scratch = new BoxVoteScratch()): ReferenceVoteBox[] {
  const boxes = new Float32Array(rows.flatMap((r) => r.slice(0, 4)));
  const scores = new Float32Array(rows.map((r) => r[4]));
  const order = Int32Array.from(rows.map((_, i) => i));
  const g = boxVote(boxes, scores, order, rows.length, iou, maxGroups, scratch);
  return Array.from({ length: g.count }, (_, k) => ({
    row: [...g.boxes.subarray(4 * k, 4 * k + 4), g.scores[k]] as Row,
    members: Array.from(g.members.subarray(g.memberStart[k], g.memberStart[k + 1])),
  }));
}

const random = seededRandom;

/** Faces as clusters of jittered boxes (as the passes of a pyramid give them) plus loose boxes, best first. */
function randomRows(seed: number, clusters: number, loose: number, imageSize = 1000): Row[] {
  const next = random(seed);
  const rows: Row[] = [];
  for (let c = 0; c < clusters; c++) {
    const size = 4 + next() * 200;
    const x = next() * imageSize;
    const y = next() * imageSize;
    const members = 1 + Math.floor(next() * 12);
    for (let m = 0; m < members; m++) {
      const jitter = () => (next() - 0.5) * size * 0.4;
      const x1 = x + jitter();
      const y1 = y + jitter();
      rows.push([x1, y1, x1 + size * (0.8 + 0.4 * next()), y1 + size * (0.8 + 0.4 * next()), next()]);
    }
  }
  for (let l = 0; l < loose; l++) {
    const x1 = next() * imageSize;
    const y1 = next() * imageSize;
    rows.push([x1, y1, x1 + next() * 300, y1 + next() * 300, next() * 0.1]);
  }
  // Clipped boxes (as insightface's) pile up on the image edges; some scores tie.
  for (let e = 0; e < clusters / 4; e++) rows.push([0, next() * imageSize, next() * 30, imageSize - 1, rows[e]?.[4] ?? 0.5]);
  return rows.map((r) => r.map(Math.fround) as Row).sort((a, b) => b[4] - a[4]);
}

describe('boxVote: insightface bbox_vote (spec §A.8) against a plain implementation', () => {
  it.each([
    [1, 5, 0],
    [2, 40, 10],
    [3, 200, 100],
    [4, 600, 300],
    [5, 30, 0],
    [6, 1, 0],
  ])('random boxes, seed %i: %i clusters, %i loose boxes — same boxes, scores and groups, bit for bit', (seed, clusters, loose) => {
    const rows = randomRows(seed, clusters, loose);
    for (const iou of [0.4, 0.3, 0.6]) {
      const expected = referenceBoxVote(rows, iou);
      expect(expected.length).toBeGreaterThan(0);
      expect(coreVote(rows, iou)).toEqual(expected);
    }
  });

  it('the same scratch gives the same answers run after run, on inputs of other sizes', () => {
    const scratch = new BoxVoteScratch();
    for (const seed of [11, 12, 13, 11]) {
      const rows = randomRows(seed, 20 + seed, seed);
      expect(coreVote(rows, 0.4, 750, scratch)).toEqual(referenceBoxVote(rows, 0.4));
    }
  });

  it('a group of two becomes their score-weighted mean, scored with the best score', () => {
    const rows: Row[] = [
      [0, 0, 9, 9, 0.75],
      [2, 0, 11, 9, 0.25],
    ];
    // IoU (+1): 8·10 / (100 + 100 − 80) = 0.667.
    expect(coreVote(rows)).toEqual([{ row: [0.5, 0, 9.5, 9, 0.75], members: [0, 1] }]);
  });

  it('drops a lone box, unless it is the very last one left', () => {
    const rows: Row[] = [
      [0, 0, 9, 9, 0.9],
      [100, 100, 109, 109, 0.8],
      [101, 100, 110, 109, 0.7],
      [300, 300, 309, 309, 0.6],
      [500, 500, 509, 509, 0.5],
    ];
    const votes = coreVote(rows);
    // [0..9] alone: dropped; the pair merges; [300..309] alone: dropped; [500..509] is the last: kept as it is.
    expect(votes.map((v) => v.members)).toEqual([[1, 2], [4]]);
    expect(votes[1].row).toEqual([500, 500, 509, 509, 0.5]);
    expect(votes).toEqual(referenceBoxVote(rows, 0.4));
  });

  it('joins at IoU exactly 0.4 (>=, where NMS keeps such a box apart) and not just below', () => {
    // +1: areas 100 and 40, intersection 40: IoU 0.4 exactly.
    expect(coreVote([[0, 0, 9, 9, 0.9], [0, 0, 3, 9, 0.8]])[0].members).toEqual([0, 1]);
    // Intersection 39.9 / (100 + 39.9 − 39.9): below 0.4 → two lone boxes; the last one stays.
    expect(coreVote([[0, 0, 9, 9, 0.9], [0, 0, 2.99, 9, 0.8]]).map((v) => v.members)).toEqual([[1]]);
  });

  it('boxes under a pixel wide that do not overlap still join when their +1 boxes do (the grid allows for it)', () => {
    // +1: widths 1.1 each, intersection 0.1 − 0.3 + 1 = 0.8 columns: IoU 8 / 14 = 0.57. The third box stretches the
    // grid so that the first two fall into different cells.
    const rows: Row[] = [
      [0, 0, 0.1, 9, 0.9],
      [0.3, 0, 0.4, 9, 0.8],
      [5.4, 0, 6.4, 9, 0.1],
    ].map((r) => r.map(Math.fround) as Row);
    expect(coreVote(rows).map((v) => v.members)).toEqual([[0, 1], [2]]);
    expect(coreVote(rows)).toEqual(referenceBoxVote(rows, 0.4));
  });

  it('stops after maxGroups boxes (750 upstream)', () => {
    const rows: Row[] = [];
    for (let k = 0; k < 800; k++) rows.push([20 * k, 0, 20 * k + 9, 9, 1 - k / 1000], [20 * k + 1, 0, 20 * k + 10, 9, 1 - k / 1000 - 0.0005]);
    const sorted = rows.map((r) => r.map(Math.fround) as Row).sort((a, b) => b[4] - a[4]);
    const votes = coreVote(sorted);
    expect(votes.length).toBe(750);
    expect(votes).toEqual(referenceBoxVote(sorted, 0.4));
    expect(coreVote(sorted, 0.4, 3)).toEqual(votes.slice(0, 3));
  });

  it('with an IoU threshold of 0, boxes that do not even touch join the group (IoU 0 >= 0)', () => {
    const rows: Row[] = [
      [0, 0, 9, 9, 0.5],
      [500, 500, 509, 509, 0.5],
    ];
    expect(coreVote(rows, 0)).toEqual([{ row: [250, 250, 259, 259, 0.5], members: [0, 1] }]);
    const random = randomRows(7, 10, 5);
    expect(coreVote(random, 0)).toEqual(referenceBoxVote(random, 0));
  });

  it('a box of zero +1 area still forms its own group (upstream would never remove it)', () => {
    const rows: Row[] = [
      [5, 5, 4, 4, 0.9],
      [0, 0, 9, 9, 0.8],
      [1, 0, 10, 9, 0.7],
    ];
    expect(coreVote(rows).map((v) => v.members)).toEqual([[1, 2]]);
    expect(coreVote(rows)).toEqual(referenceBoxVote(rows, 0.4));
  });

  it('no boxes: no groups', () => {
    expect(coreVote([])).toEqual([]);
  });
});

describe('numpyFloat32Sum: numpy float32 pairwise summation (how the vote totals a group’s scores)', () => {
  it('1 + eight times 2^-24 is 1 + 2^-21 pairwise (numpy 2.4 gives 1.0000005), 1 summed one by one', () => {
    const v = new Float32Array([1, ...Array(8).fill(2 ** -24)]);
    expect(numpyFloat32Sum(v, 0, 9)).toBe(1 + 2 ** -21);
    expect(Array.from(v).reduce((s, x) => Math.fround(s + x), 0)).toBe(1);
  });

  it('equals the plain recursive version for every length up to 400', () => {
    const next = random(99);
    for (let n = 0; n <= 400; n++) {
      const v = Float32Array.from({ length: n }, () => next());
      expect(numpyFloat32Sum(v, 0, n)).toBe(referencePairwiseSum(Array.from(v)));
    }
  });
});
