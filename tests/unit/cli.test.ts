import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeDetector } from '../../src/node/node-detector.ts';
import { MODEL_CATALOG } from '../../src/models/catalog.ts';
import { cli, type CliImage } from '../support/cli.ts';
import { MODELS, PHOTOS, PROJECT_ROOT, WIDER_IMAGES } from '../support/paths.ts';

// Paths as a user in the project root would type them.
const rel = (p: string) => relative(PROJECT_ROOT, p);
const PARADE = rel(join(WIDER_IMAGES, '0--Parade/0_Parade_Parade_0_102.jpg'));
const ASTRONAUT = rel(join(PHOTOS, 'astronaut.png'));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'retinaface-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (stdout: string): CliImage[] => JSON.parse(stdout) as CliImage[];

/** `detect PARADE ASTRONAUT` with default options, run once and shared by the tests that compare with it. */
let baseRun: ReturnType<typeof cli> | undefined;
const base = () => (baseRun ??= cli('detect', PARADE, ASTRONAUT));
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/** Strict schema check: exactly these keys, numbers where numbers belong. */
function expectSchema(results: unknown): asserts results is CliImage[] {
  expect(Array.isArray(results)).toBe(true);
  for (const r of results as Record<string, unknown>[]) {
    expect(Object.keys(r).sort()).toEqual(['faces', 'file', 'height', 'width']);
    expect(typeof r.file).toBe('string');
    expect(Number.isInteger(r.width) && Number.isInteger(r.height)).toBe(true);
    expect(Array.isArray(r.faces)).toBe(true);
    for (const f of r.faces as Record<string, unknown>[]) {
      expect(Object.keys(f).sort()).toEqual(['box', 'landmarks', 'score']);
      const box = f.box as Record<string, unknown>;
      expect(Object.keys(box).sort()).toEqual(['height', 'width', 'x', 'y']);
      expect(Object.values(box).every(isNumber)).toBe(true);
      expect(isNumber(f.score)).toBe(true);
      const landmarks = f.landmarks as unknown[][];
      expect(landmarks).toHaveLength(5);
      for (const p of landmarks) {
        expect(p).toHaveLength(2);
        expect(p.every(isNumber)).toBe(true);
      }
    }
  }
}

describe('retinaface-web detect (CLI)', () => {
  it('prints one JSON array: file, width, height, faces [{box {x,y,width,height}, score, landmarks [[x,y] x5]}]', async () => {
    const { code, stdout, stderr } = await base();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const results = parse(stdout);
    expectSchema(results);
    expect(results.map((r) => r.file)).toEqual([PARADE, ASTRONAUT]);
    for (const r of results) {
      const meta = await sharp(join(PROJECT_ROOT, r.file)).metadata();
      expect([r.width, r.height]).toEqual([meta.width, meta.height]);
      expect(r.faces.length).toBeGreaterThan(0);
      // Default threshold 0.5, best first, boxes with positive size.
      expect(r.faces.every((f) => f.score >= 0.5 && f.box.width > 0 && f.box.height > 0)).toBe(true);
      expect(r.faces.map((f) => f.score)).toEqual([...r.faces.map((f) => f.score)].sort((a, b) => b - a));
    }
  });

  it('--format wider --out dir writes <dir>/<event>/<name>.txt in the insightface WIDER format', async () => {
    const out = join(dir, 'wider');
    const [wider, json] = await Promise.all([cli('detect', '--format', 'wider', '--out', out, PARADE, ASTRONAUT), base()]);
    expect(wider.code).toBe(0);
    expect(wider.stdout).toBe(''); // files only
    expect(readdirSync(out).sort()).toEqual(['0--Parade', 'photos']);
    for (const image of parse(json.stdout)) {
      const event = basename(join(image.file, '..'));
      const name = basename(image.file).replace(/\.(jpg|png)$/, '');
      const path = join(out, event, `${name}.txt`);
      expect(existsSync(path), path).toBe(true);
      const lines = readFileSync(path, 'utf8').split('\n');
      expect(lines.at(-1)).toBe(''); // ends with a newline
      expect(lines[0]).toBe(name);
      expect(Number(lines[1])).toBe(image.faces.length);
      expect(image.faces.length).toBeGreaterThan(0);
      // '%d %d %d %d %g' % (x1, y1, x2 − x1, y2 − y1, score): truncation, float32 differences, 6 digits.
      const expected = image.faces.map((f) => {
        const x2 = f.box.x + f.box.width;
        const y2 = f.box.y + f.box.height;
        const w = Math.trunc(Math.fround(x2 - f.box.x));
        const h = Math.trunc(Math.fround(y2 - f.box.y));
        return `${Math.trunc(f.box.x)} ${Math.trunc(f.box.y)} ${w} ${h} ${Number(f.score.toPrecision(6))}`;
      });
      expect(lines.slice(2, -1)).toEqual(expected);
      for (const line of lines.slice(2, -1)) expect(line).toMatch(/^-?\d+ -?\d+ \d+ \d+ (0\.\d{1,6}|1)$/);
    }
  });

  it('reports an unreadable file on stderr by name, still processes the others, exits non-zero', async () => {
    const jpeg = readFileSync(join(PROJECT_ROOT, PARADE));
    const truncated = join(dir, 'truncated.jpg');
    writeFileSync(truncated, jpeg.subarray(0, jpeg.length >> 1));
    const missing = join(dir, 'missing.jpg');
    const { code, stdout, stderr } = await cli('detect', PARADE, truncated, missing, ASTRONAUT);
    expect(code).toBe(1);
    expect(stderr).toContain(`error: Cannot read image ${truncated}`);
    expect(stderr).toContain(missing);
    expect(stderr).toContain('2 file(s) could not be processed');
    const results = parse(stdout);
    expect(results.map((r) => r.file)).toEqual([PARADE, ASTRONAUT]);
    expect(results.every((r) => r.faces.length > 0)).toBe(true);
  });

  it('--score and --max-faces: a higher threshold keeps exactly the faces at or above it; max-faces keeps the best n', async () => {
    const [plain, high, capped] = await Promise.all([base(), cli('detect', '--score', '0.9', PARADE), cli('detect', '--max-faces', '3', PARADE)]);
    for (const r of [plain, high, capped]) expect(r.code).toBe(0);
    const all = parse(plain.stdout)[0].faces;
    expect(all.length).toBeGreaterThan(5);
    expect(all.some((f) => f.score < 0.9)).toBe(true);
    // Greedy NMS in score order: the faces >= 0.9 are the same whether or not lower ones were candidates.
    expect(parse(high.stdout)[0].faces).toEqual(all.filter((f) => f.score >= 0.9));
    expect(parse(capped.stdout)[0].faces).toEqual(all.slice(0, 3));
  });

  it('--size 640x640 letterboxes the image into a 640x640 tensor and maps faces back to image pixels', async () => {
    const [sized, native] = await Promise.all([cli('detect', '--size', '640x640', PARADE), base()]);
    expect(sized.code).toBe(0);
    const faces = parse(sized.stdout)[0].faces;
    expect(faces.length).toBeGreaterThan(0);
    // Same as the library with the same request.
    const detector = await NodeDetector.create(); // the CLI's default model
    try {
      const r = await detector.detectFile(join(PROJECT_ROOT, PARADE), { inputSize: { width: 640, height: 640 } });
      expect([r.geometry.inputWidth, r.geometry.inputHeight, r.geometry.contentWidth]).toEqual([640, 640, 640]);
      expect(faces).toEqual(JSON.parse(JSON.stringify(r.faces)));
    } finally {
      await detector.release();
    }
    // Not the native-size result, and still in image pixels (1024 wide), not tensor pixels.
    expect(faces).not.toEqual(parse(native.stdout)[0].faces);
    expect(Math.max(...faces.map((f) => f.box.x + f.box.width))).toBeGreaterThan(640);
  });

  it('--mirror flips boxes and landmarks horizontally', async () => {
    const [plain, mirrored] = await Promise.all([base(), cli('detect', '--mirror', ASTRONAUT)]);
    const a = parse(plain.stdout)[1];
    const b = parse(mirrored.stdout)[0];
    expect(a.faces.length).toBeGreaterThan(0);
    expect(b.faces).toHaveLength(a.faces.length);
    a.faces.forEach((f, k) => {
      const m = b.faces[k];
      expect(m.score).toBe(f.score);
      expect(m.box.x).toBeCloseTo(a.width - (f.box.x + f.box.width), 9);
      expect(m.box.width).toBeCloseTo(f.box.width, 9);
      expect(m.landmarks.map(([x, y]) => [x, y])).toEqual([1, 0, 2, 4, 3].map((i) => [a.width - f.landmarks[i][0], f.landmarks[i][1]]));
    });
  });

  it('a fixed-size model with --size native says it letterboxes instead', async () => {
    const { code, stdout, stderr } = await cli('detect', '--model', rel(MODELS.biubug6Fixed640), '--size', 'native', ASTRONAUT);
    expect(code).toBe(0);
    expect(stderr).toContain('note: the model has a fixed 640x640 input; images are letterboxed into it.');
    expect(parse(stdout)[0].faces.length).toBeGreaterThan(0);
  });

  it('--model takes a catalog id (yunet) as well as a path; YuNet uses OpenCV\'s defaults (score 0.9)', async () => {
    const [byId, byPath, lower, unknown] = await Promise.all([
      cli('detect', '--model', 'yunet', PARADE, ASTRONAUT),
      cli('detect', '--model', 'public/models/face_detection_yunet_2026may.onnx', ASTRONAUT),
      cli('detect', '--model', 'yunet', '--score', '0.5', PARADE),
      cli('detect', '--model', 'no-such-model', ASTRONAUT),
    ]);
    expect(byId).toMatchObject({ code: 0, stderr: '' });
    const [parade, astronaut] = parse(byId.stdout);
    expect(parse(byPath.stdout)).toEqual([astronaut]);
    expect(astronaut.faces).toHaveLength(1);
    expect(parade.faces.length).toBeGreaterThan(0);
    expect(parade.faces.every((f) => f.score >= 0.9)).toBe(true);
    // In-process, the same model file gives the same faces.
    const detector = await NodeDetector.create({ model: MODELS.yunet });
    try {
      expect((await detector.detectFile(join(PROJECT_ROOT, ASTRONAUT))).faces).toEqual(astronaut.faces);
    } finally {
      await detector.release();
    }
    const [lowerParade] = parse(lower.stdout);
    expect(lowerParade.faces.length).toBeGreaterThan(parade.faces.length);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`Model file not found: no-such-model. Pass a path or a known model id (${MODEL_CATALOG.map((m) => m.id).join(', ')}).`);
  });

  it('bad arguments exit non-zero with a message', async () => {
    const results = await Promise.all([
      cli('detect', '--score', 'abc', ASTRONAUT),
      cli('detect', '--format', 'xml', ASTRONAUT),
      cli('detect', '--format', 'wider', ASTRONAUT),
      cli('detect', '--size', '640', ASTRONAUT),
      cli('detect'),
      cli('nosuchcommand'),
      cli('detect', '--model', join(dir, 'none.onnx'), ASTRONAUT),
    ]);
    const [score, format, out, size, none, unknown, model] = results;
    expect(score).toMatchObject({ code: 1, stdout: '' });
    expect(score.stderr).toContain('--score takes a number; got "abc"');
    expect(format.stderr).toContain('--format takes json or wider; got "xml"');
    expect(out.stderr).toContain('--format wider needs --out <dir>');
    expect(size.stderr).toContain('--size takes WxH');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: retinaface-web detect');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "nosuchcommand"');
    expect(model.code).toBe(1);
    expect(model.stderr).toContain(`Model file not found: ${join(dir, 'none.onnx')}`);
    for (const r of [format, out, size]) expect(r.code).toBe(1);
  });
});

describe('retinaface-web detect --tta (best-quality mode)', () => {
  it('passes its scales, flip and merge to the Node host: the same faces as NodeDetector quality best', async () => {
    const detector = await NodeDetector.create();
    try {
      for (const [args, tta] of [
        [['--tta-scales', '500,800'], { scales: [500, 800] }],
        [['--tta-scales', '700', '--tta-target-size', '512', '--tta-max-size', '2000', '--tta-no-flip', '--tta-merge', 'nms'], { scales: [700], targetSize: 512, maxSize: 2000, flip: false, merge: 'nms' as const }],
      ] as const) {
        const { code, stdout, stderr } = await cli('detect', '--tta', ...args, ASTRONAUT);
        expect(stderr).toBe('');
        expect(code).toBe(0);
        const [result] = parse(stdout);
        expectSchema([result]);
        const expected = await detector.detectFile(join(PROJECT_ROOT, ASTRONAUT), { quality: 'best', tta });
        expect(expected.faces.length).toBeGreaterThan(0);
        expect(result.faces).toEqual(JSON.parse(JSON.stringify(expected.faces)));
      }
    } finally {
      await detector.release();
    }
  });

  it('bad --tta arguments exit non-zero with a message', async () => {
    const [size, stray, scales, merge, fixed] = await Promise.all([
      cli('detect', '--tta', '--size', '640x640', ASTRONAUT),
      cli('detect', '--tta-scales', '500', ASTRONAUT),
      cli('detect', '--tta', '--tta-scales', '500,0', ASTRONAUT),
      cli('detect', '--tta', '--tta-merge', 'mean', ASTRONAUT),
      cli('detect', '--tta', '--model', rel(MODELS.biubug6Fixed640), ASTRONAUT),
    ]);
    expect(size.stderr).toContain('--tta sets its own sizes (--tta-scales); leave out --size and --max-size.');
    expect(stray.stderr).toContain('--tta-scales goes with --tta.');
    expect(scales.stderr).toContain('--tta-scales takes positive numbers; got "0"');
    expect(merge.stderr).toContain('--tta-merge takes vote or nms; got "mean"');
    expect(fixed.stderr).toMatch(/this model takes only 640x640.*dynamic-size model/);
    for (const r of [size, stray, scales, merge, fixed]) expect(r).toMatchObject({ code: 1, stdout: '' });
  });
});
