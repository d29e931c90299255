/**
 * VOC "all-point" average precision, as both the WIDER FACE python port (`voc_ap`) and OpenVINO's accuracy
 * checker (`average_precision`, integral 'max') compute it: put (0, 0) before the curve and (1, 0) after it, make
 * precision non-increasing from the right (each point takes the maximum of itself and everything after it), then
 * sum Δrecall × precision over the points where recall changes.
 *
 * NaN behaves as in numpy: `np.maximum` propagates it leftwards, as Math.max does; a NaN precision (0/0, no
 * detection at that threshold) sits at recall 0, before the first change, so it never reaches the sum. A NaN
 * recall (a setting with no faces) makes the AP NaN.
 */
export function vocAveragePrecision(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  const n = recall.length;
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  for (let i = 0; i < n; i++) {
    mrec[i + 1] = recall[i];
    mpre[i + 1] = precision[i];
  }
  mrec[n + 1] = 1;
  for (let i = n + 1; i > 0; i--) mpre[i - 1] = Math.max(mpre[i - 1], mpre[i]);
  // numpy sums with pairwise summation, this loop sequentially: the two differ by a few ulps (~1e-16).
  let ap = 0;
  for (let i = 0; i <= n; i++) {
    if (mrec[i + 1] !== mrec[i]) ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
  }
  return ap;
}
