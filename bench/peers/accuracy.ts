// AP of one detector's predictions (the CLI's JSON schema) with the project's WIDER FACE evaluation (src/eval).
import { join } from 'node:path';
import { evaluateWider, predictionsFromDetectResults, type GroundTruth } from '../../src/eval/index.ts';
import { readGroundTruth } from '../../src/node/eval-files.ts';
import type { WiderAp } from './results.ts';
import { repo } from './server.ts';

export interface DetectFileResult {
  file: string;
  width: number;
  height: number;
  faces: { box: { x: number; y: number; width: number; height: number }; score: number; landmarks: [number, number][] }[];
}

/** How AP is computed, for the report. */
export const EVALUATION = "`evaluateWider` of src/eval: IoU 0.5, 1000 thresholds, scores normalised per detector";

let groundTruth: Promise<GroundTruth> | undefined;

/** Easy / medium / hard AP over the images the predictions cover (the 120 shared ones, or fewer with --quick). */
export async function widerAp(results: DetectFileResult[]): Promise<WiderAp | null> {
  groundTruth ??= readGroundTruth(join(repo, '../shared/testdata/wider-val-120'));
  const { easy, medium, hard } = evaluateWider(predictionsFromDetectResults(results), await groundTruth);
  return { easy, medium, hard };
}
