import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { referenceDecode, referencePack, type ReferenceOutputs } from '../reference/reference-decoder.ts';
import { run, type CliImage } from '../support/cli.ts';
import { ort } from '../support/engine.ts';
import { compareFaceSets, corners, fromReference, type Corners } from '../support/faces.ts';
import { PROJECT_ROOT, widerImages } from '../support/paths.ts';

/**
 * The acceptance check of issue 2: the CLI at native size and score 0.02 on the 120 WIDER validation images finds,
 * on every image, the faces the plain reference decoder finds for the same model — same set of faces, coordinates
 * within 1e-3 px, scores within 1e-6. The reference side shares nothing with the CLI but onnxruntime and sharp:
 * its own packing (BGR raw 0..255, zero padding to multiples of 32), its own session, its own decoder.
 */
describe('acceptance: npx retinaface-web detect --size native --score 0.02 on wider-val-120', () => {
  it('matches the reference decoder on all 120 images', async () => {
    const images = widerImages();
    expect(images).toHaveLength(120);
    const WIDER_DIR = '../shared/testdata/wider-val-120/images';
    // Start the CLI first; compute the reference meanwhile (the machine has two cores).
    const cliRun = run('npx', ['retinaface-web', 'detect', '--size', 'native', '--score', '0.02', WIDER_DIR], {
      npm_config_update_notifier: 'false',
    });

    // The CLI's default model, installed by `npm ci` into public/models/.
    const model = join(PROJECT_ROOT, 'public/models/retinaface-mnet025.onnx');
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(model)), {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
    });
    const expected = new Map<string, { width: number; height: number; faces: Corners[] }>();
    try {
      for (const file of images) {
        const { data, info } = await sharp(file).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
        const W = Math.ceil(info.width / 32) * 32;
        const H = Math.ceil(info.height / 32) * 32;
        const tensor = referencePack(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, W, H, 'BGR');
        const results = await session.run({ data: new ort.Tensor('float32', tensor, [1, 3, H, W]) });
        const outputs: ReferenceOutputs = Object.fromEntries(
          Object.entries(results).map(([name, t]) => [name, { data: t.data as Float32Array, dims: t.dims }]),
        );
        const faces = referenceDecode(outputs, { family: 'insightface', inputWidth: W, inputHeight: H, scaleX: 1, scaleY: 1, scoreThreshold: 0.02 });
        expected.set(relative(PROJECT_ROOT, file), { width: info.width, height: info.height, faces: faces.map(fromReference) });
      }
    } finally {
      await session.release();
    }

    const { code, stdout, stderr } = await cliRun;
    expect(stderr).not.toMatch(/error/i); // npx itself may print notices
    expect(code).toBe(0);
    const results = JSON.parse(stdout) as CliImage[];
    expect(results.map((r) => r.file).sort()).toEqual([...expected.keys()].sort());

    const problems: string[] = [];
    let faces = 0;
    for (const r of results) {
      const e = expected.get(r.file)!;
      if (r.width !== e.width || r.height !== e.height) problems.push(`${r.file}: size ${r.width}x${r.height}, expected ${e.width}x${e.height}`);
      const diff = compareFaceSets(r.faces.map(corners), e.faces);
      if (diff.length > 0) problems.push(`${r.file}: ${diff.join('; ')}`);
      faces += e.faces.length;
    }
    expect(problems).toEqual([]);
    // A real workload: thousands of faces at this threshold.
    expect(faces).toBeGreaterThan(3000);
  }, 600_000);
});
