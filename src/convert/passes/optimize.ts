import type { OnnxModel } from '../onnx/onnx-model.ts';
import { foldBatchNorms, pruneInitializers } from './fold-bn.ts';
import { mergeSiblingConvs } from './merge-sibling-convs.ts';
import { pairSoftmaxToSigmoid } from './pair-softmax.ts';
import { moveReluBeforeConcat } from './relu-through-concat.ts';

/** What `optimizeModel` changed, pass by pass. */
export interface OptimizeStats {
  /** BatchNormalizations folded into the convolution before them. */
  foldedBatchNorms: number;
  /** Relus moved from after a Concat to its inputs. */
  movedRelus: number;
  /** Two-class softmax heads turned into a sigmoid. */
  sigmoidHeads: number;
  /** Convolutions merged away into a sibling reading the same input. */
  mergedConvs: number;
}

/**
 * The graph passes of `convert --optimize`, in order: fold BatchNorms into convolutions, move Relus in front of
 * Concats (so that they fuse into the convolutions), turn two-class softmax heads into sigmoids, merge sibling
 * convolutions. Each pass keeps the outputs' names and layout; all but the sigmoid heads are exact (the same
 * float operations, up to the float32 rounding of folded weights). Edits the model in place.
 */
export function optimizeModel(model: OnnxModel): OptimizeStats {
  const graph = model.graph;
  const stats: OptimizeStats = {
    foldedBatchNorms: foldBatchNorms(graph),
    movedRelus: moveReluBeforeConcat(graph),
    sigmoidHeads: pairSoftmaxToSigmoid(graph, model.opset),
    mergedConvs: mergeSiblingConvs(graph, model.opset),
  };
  pruneInitializers(graph);
  return stats;
}

export const describeOptimizeStats = (s: OptimizeStats): string =>
  `${s.foldedBatchNorms} BatchNorms folded, ${s.movedRelus} Relus moved before Concats, ` +
  `${s.sigmoidHeads} softmax heads made sigmoids, ${s.mergedConvs} convolutions merged into siblings`;
