/**
 * WIDER FACE evaluation, pure (no Node APIs; imports only src/core). From a Node script:
 *
 * ```ts
 * import { readGroundTruth, readPredictions } from '../src/node/eval-files.ts';    // files → the models below
 * import { evaluateWider, evaluateOmz, predictionsFromDetectResults } from '../src/eval/index.ts';
 *
 * const groundTruth = await readGroundTruth('../shared/testdata/wider-val-120');   // the official .mat files, or a gt.json
 * const predictions = predictionsFromDetectResults(results);  // [{file, faces: [{box: {x, y, width, height}, score}]}]
 * const { easy, medium, hard, curves } = evaluateWider(predictions, groundTruth);  // official protocol, APs in [0, 1]
 * const { ap } = evaluateOmz(predictions, groundTruth);        // the model card's rule: one AP, faces ≥ 64 px high
 * ```
 *
 * - `evaluateWider` follows the official python port of WIDER FACE's `eval_tools` to the letter (see
 *   wider-evaluation.ts for its quirks); `evaluateOmz` OpenVINO's accuracy checker as the model card's
 *   accuracy-check.yml configures it (omz-evaluation.ts).
 * - Images are matched by `event/name`: the folder name and the file name without extension.
 * - By default only the ground-truth images that have a predictions entry are evaluated (`images: 'predicted'`),
 *   so a subset such as the 120 shared images gives meaningful figures; `images: 'all'` counts the faces of the
 *   other images as missed. The result's `images` says how many were evaluated.
 */
export { vocAveragePrecision } from './average-precision.ts';
export { readMatFile, inflateWithDecompressionStream, type Inflate, type ReadMatFileOptions, type MatCell, type MatChar, type MatNumeric, type MatNumericClass, type MatValue, type MatVariables } from './mat-file.ts';
export { evaluateOmz, roundHalfEven, DEFAULT_OMZ_EVALUATION_OPTIONS, type OmzEvaluation, type OmzEvaluationOptions } from './omz-evaluation.ts';
export { prCurveSvg, type PrCurveSeries, type PrCurveSvgOptions } from './pr-curve-svg.ts';
export { parseWiderPredictionFile, predictionsFromDetectResults, type DetectResultLike, type ImagePredictions } from './predictions.ts';
export { evaluateWider, DEFAULT_WIDER_EVALUATION_OPTIONS, type PrCurve, type WiderEvaluation, type WiderEvaluationOptions } from './wider-evaluation.ts';
export {
  eventAndName,
  groundTruthFromJson,
  groundTruthFromMat,
  GROUND_TRUTH_MAT_VARIABLES,
  imageKey,
  WIDER_SETTINGS,
  type GroundTruth,
  type GroundTruthImage,
  type WiderSetting,
} from './wider-ground-truth.ts';
