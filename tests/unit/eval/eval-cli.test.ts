import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widerPrediction } from '../../../src/node/wider-format.ts';
import { cli, type CliResult } from '../../support/cli.ts';
import { PHOTOS, PROJECT_ROOT, SHARED, WIDER_IMAGES } from '../../support/paths.ts';

// `retinaface-web eval` end to end, on predictions made from the ground truth itself (no model run), and
// `detect --eval` on two images.
const rel = (p: string) => relative(PROJECT_ROOT, p);
const GT_DIR = rel(join(SHARED, 'testdata/wider-val-120'));
const GT_JSON = join(GT_DIR, 'gt.json');
const PARADE = rel(join(WIDER_IMAGES, '0--Parade/0_Parade_Parade_0_102.jpg'));
const ASTRONAUT = rel(join(PHOTOS, 'astronaut.png'));
/**
 * The "perfect detector" (every ground-truth box of the 120 images, distinct scores) by the accuracy checker's
 * rule, as tests/reference/omz_wider_map.py gives it (-p perfect.json): 210 true, 9 false positives — detections
 * of faces below 64 px that overlap counted faces, and boxes the ground truth's clipping to 1024 px shrinks.
 */
const PERFECT_OMZ_AP = 0.987300717547293;

let dir: string;
let perfectJson: string;
let perfectTxt: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'retinaface-eval-cli-'));
  const gt = JSON.parse(readFileSync(join(PROJECT_ROOT, GT_JSON), 'utf8')) as { images: { file: string; faces: { x: number; y: number; w: number; h: number }[] }[] };
  let k = 0;
  const results = gt.images.map((im) => ({
    file: im.file,
    width: 1,
    height: 1,
    faces: im.faces.map((f) => ({ box: { x: f.x, y: f.y, width: f.w, height: f.h }, score: 1 - k++ / 10000, landmarks: [] })),
  }));
  perfectJson = join(dir, 'perfect.json');
  writeFileSync(perfectJson, JSON.stringify(results));
  perfectTxt = join(dir, 'perfect-txt');
  for (const r of results) {
    const [event, file] = r.file.split('/').slice(-2);
    mkdirSync(join(perfectTxt, event), { recursive: true });
    writeFileSync(join(perfectTxt, event, file.replace(/\.jpg$/, '.txt')), widerPrediction(file.replace(/\.jpg$/, ''), r.faces));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI with `input` on stdin. */
function cliWithInput(input: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/retinaface-web.js', ...args], { cwd: PROJECT_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Well-formed XML as far as tags go: every element closed in order, no text outside the root. */
function expectWellFormedSvg(svg: string) {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  for (const [, close, name, , self] of svg.matchAll(/<(\/?)([a-z]+)((?:\s+[a-zA-Z-]+="[^"<>]*")*)\s*(\/?)>/g)) {
    if (close) expect(stack.pop()).toBe(name);
    else if (!self) stack.push(name);
  }
  expect(stack).toEqual([]);
  expect(svg.replace(/<[^>]*>/g, '')).not.toMatch(/[<>]/);
  // Self-contained: nothing fetched, no script, only the generic font family.
  expect(svg).not.toMatch(/href|url\(|<image|<script|@import/i);
  expect([...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1])).toEqual(['sans-serif']);
}

describe('retinaface-web eval (CLI)', () => {
  it('CLI JSON and a WIDER txt folder: a table of easy / medium / hard AP; a note says which images were evaluated', async () => {
    const [json, txt] = await Promise.all([cli('eval', '--gt', GT_DIR, perfectJson), cli('eval', '--gt', GT_DIR, perfectTxt)]);
    for (const r of [json, txt]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        ['WIDER FACE, official protocol (120 of 3226 images)', 'setting       AP   faces', 'easy      1.0000     293', 'medium    1.0000     580', 'hard      1.0000    1247', ''].join('\n'),
      );
      expect(r.stderr).toBe('note: evaluated on the 120 of 3226 ground-truth images that have predictions (--all-images counts the faces of the others as missed).\n');
    }
  });

  it('--json prints the result for programs; gt.json works as ground truth; --all-images counts every image', async () => {
    const [mat, gtJson, all] = await Promise.all([
      cli('eval', '--gt', GT_DIR, '--json', perfectJson),
      cli('eval', '--gt', GT_JSON, '--json', perfectJson),
      cli('eval', '--gt', GT_DIR, '--json', '--all-images', perfectJson),
    ]);
    const result = JSON.parse(mat.stdout);
    expect(result).toEqual({ protocol: 'wider', easy: 1, medium: 1, hard: 1, faces: { easy: 293, medium: 580, hard: 1247 }, images: { evaluated: 120, groundTruth: 3226, notInGroundTruth: [] } });
    expect(JSON.parse(gtJson.stdout)).toEqual({ ...result, images: { ...result.images, groundTruth: 120 } });
    expect(gtJson.stderr).toBe(''); // gt.json has only the 120 images: nothing left out
    const everything = JSON.parse(all.stdout);
    expect(everything.images.evaluated).toBe(3226);
    expect(everything.faces).toEqual({ easy: 7211, medium: 13319, hard: 31958 });
    expect(everything.easy).toBeCloseTo(293 / 7211, 12); // every face found, at precision 1, is 293 of 7211
    expect(all.stderr).toBe('');
  });

  it('--protocol omz: the single AP (the accuracy checker\'s python copy gives the same), as a table or JSON', async () => {
    const [table, json] = await Promise.all([cli('eval', '--gt', GT_DIR, '--protocol', 'omz', perfectJson), cli('eval', '--gt', GT_DIR, '--protocol', 'omz', '--json', perfectJson)]);
    expect(table.stdout).toBe(
      'OpenVINO accuracy checker rule, faces at least 64 px high (120 of 3226 images)\nAP 98.73 %   faces 210 (1457 ignored)   true positives 210, false positives 9\n',
    );
    const result = JSON.parse(json.stdout);
    expect(Math.abs(result.ap - PERFECT_OMZ_AP)).toBeLessThan(1e-12);
    expect(result).toMatchObject({ protocol: 'omz', faces: 210, ignoredFaces: 1457, truePositives: 210, falsePositives: 9 });
  });

  it('--plot writes the PR curves as a small self-contained SVG', async () => {
    const wider = join(dir, 'wider.svg');
    const omz = join(dir, 'omz.svg');
    const runs = await Promise.all([cli('eval', '--gt', GT_DIR, '--plot', wider, perfectJson), cli('eval', '--gt', GT_DIR, '--protocol', 'omz', '--plot', omz, perfectJson)]);
    for (const r of runs) expect(r.code).toBe(0);
    const svg = readFileSync(wider, 'utf8');
    expectWellFormedSvg(svg);
    expectWellFormedSvg(readFileSync(omz, 'utf8'));
    expect(svg).toContain('>easy  AP 1.0000</text>');
    expect(svg).toContain('>hard  AP 1.0000</text>');
    const polylines = [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) => m[1].split(' ').map((p) => p.split(',').map(Number)));
    expect(polylines).toHaveLength(3);
    const [width, height] = [...svg.matchAll(/viewBox="0 0 (\d+) (\d+)"/g)][0].slice(1).map(Number);
    for (const points of polylines) {
      expect(points.length).toBeGreaterThan(1);
      for (const [x, y] of points) expect(x >= 0 && x <= width && y >= 0 && y <= height).toBe(true);
    }
    expect(svg.length).toBeLessThan(40_000);
  });

  it('reads the JSON from stdin with -', async () => {
    const r = await cliWithInput(readFileSync(perfectJson, 'utf8'), 'eval', '--gt', GT_DIR, '--json', '-');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).easy).toBe(1);
  });

  it('bad arguments and inputs: usage and exit 2 without predictions, else a message naming the problem and exit 1', async () => {
    const noMats = join(dir, 'empty-folder');
    mkdirSync(noMats);
    const fakeMat = join(dir, 'fake');
    mkdirSync(fakeMat);
    for (const f of ['wider_face_val.mat', 'wider_easy_val.mat', 'wider_medium_val.mat', 'wider_hard_val.mat']) writeFileSync(join(fakeMat, f), 'not a mat file at all'.repeat(10));
    const notJson = join(dir, 'faces.txt');
    writeFileSync(notJson, 'hello');
    const wrongSchema = join(dir, 'wrong.json');
    writeFileSync(wrongSchema, '{"images": []}');
    const elsewhere = join(dir, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify([{ file: 'holiday/beach.jpg', faces: [] }]));
    const cases: [string[], number, string][] = [
      [['eval'], 2, 'Usage: retinaface-web eval'],
      [['eval', perfectJson], 1, 'error: eval needs --gt <ground truth>'],
      [['eval', '--gt', GT_DIR, '--protocol', 'voc', perfectJson], 1, 'error: --protocol takes wider or omz; got "voc".'],
      [['eval', '--gt', GT_DIR, '--plot', 'curves.png', perfectJson], 1, 'error: --plot takes a file name ending in .svg; got "curves.png".'],
      [['eval', '--gt', GT_DIR, '--bogus', perfectJson], 1, "error: Unknown option '--bogus'"],
      [['eval', '--gt', join(dir, 'nowhere'), perfectJson], 1, `error: Ground truth not found: ${join(dir, 'nowhere')}`],
      [['eval', '--gt', noMats, perfectJson], 1, `lacks wider_face_val.mat, wider_easy_val.mat, wider_medium_val.mat, wider_hard_val.mat`],
      [['eval', '--gt', fakeMat, perfectJson], 1, 'wider_face_val.mat is not a MATLAB Level 5 MAT-file'],
      [['eval', '--gt', GT_DIR, join(dir, 'none.json')], 1, `error: Predictions not found: ${join(dir, 'none.json')}`],
      [['eval', '--gt', GT_DIR, notJson], 1, `error: ${notJson} is not JSON`],
      [['eval', '--gt', GT_DIR, wrongSchema], 1, 'error: wrong.json: expected a JSON array of images (the output of retinaface-web detect).'],
      [['eval', '--gt', GT_DIR, noMats], 1, `error: ${noMats} holds no WIDER prediction files`],
      [['eval', '--gt', GT_DIR, elsewhere], 1, 'error: None of the 1 predicted images is in the ground truth'],
      [['detect', '--json', ASTRONAUT], 1, 'error: --protocol, --all-images, --json and --plot go with --eval <ground truth>.'],
      [['detect', '--eval', GT_DIR, '--protocol', 'x', ASTRONAUT], 1, 'error: --protocol takes wider or omz; got "x".'],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    results.forEach((r, i) => {
      const [args, code, message] = cases[i];
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /); // a message, not a stack trace
    });
    const help = await cli('eval', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--protocol wider|omz');
  });
});

describe('retinaface-web detect --eval', () => {
  it('detects and evaluates in one go: the same figures as detect > faces.json then eval; --format wider files still written', async () => {
    const out = join(dir, 'detect-eval-txt');
    const [both, plain] = await Promise.all([
      cli('detect', '--score', '0.02', '--eval', GT_DIR, '--json', '--format', 'wider', '--out', out, PARADE, ASTRONAUT),
      cli('detect', '--score', '0.02', PARADE, ASTRONAUT),
    ]);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toContain('note: evaluated on the 1 of 3226 ground-truth images that have predictions');
    expect(both.stderr).toContain('note: 1 predicted image(s) are not in the ground truth and were not evaluated: photos/astronaut.');
    expect(readdirSync(out).sort()).toEqual(['0--Parade', 'photos']);
    expect(existsSync(join(out, '0--Parade/0_Parade_Parade_0_102.txt'))).toBe(true);
    const faces = join(dir, 'two.json');
    writeFileSync(faces, plain.stdout);
    const separate = await cli('eval', '--gt', GT_DIR, '--json', faces);
    const result = JSON.parse(both.stdout);
    expect(result).toEqual(JSON.parse(separate.stdout));
    expect(result.images).toEqual({ evaluated: 1, groundTruth: 3226, notInGroundTruth: ['photos/astronaut'] });
    expect(result.hard).toBeGreaterThan(0.3);
    expect(result.hard).toBeLessThan(1);
  });
});
