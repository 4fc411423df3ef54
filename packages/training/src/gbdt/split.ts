/**
 * Best split of a leaf from its histogram: for each column, every bin boundary b (left = bins ≤ b),
 * scored by the second-order gain G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), subject to the per-leaf minimums.
 * A bundled column (bundle.ts) has one candidate: zero left, non-zero right.
 */
import type { ColumnSlot } from './bundle.js';

export interface SplitConstraints {
  l2: number;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  minGainToSplit: number;
}

export interface SplitCandidate {
  /** −1 when no split is allowed. */
  feature: number;
  /** Rows with bin ≤ bin go left. */
  bin: number;
  gain: number;
  leftG: number;
  leftH: number;
  leftCount: number;
}

export const NO_SPLIT: SplitCandidate = { feature: -1, bin: 0, gain: 0, leftG: 0, leftH: 0, leftCount: 0 };

export function findBestSplit(
  hist: Float64Array,
  offsets: Uint32Array,
  slots: ColumnSlot[],
  counts: Uint16Array,
  sumG: number,
  sumH: number,
  count: number,
  c: SplitConstraints,
): SplitCandidate {
  const { l2, minSamplesLeaf, minHessianLeaf } = c;
  const parentScore = (sumG * sumG) / (sumH + l2);
  let bestGain = c.minGainToSplit;
  let bestF = -1;
  let bestBin = 0;
  let bestLG = 0;
  let bestLH = 0;
  let bestLC = 0;
  for (let f = 0; f < slots.length; f++) {
    const slot = slots[f]!;
    if (slot.sub >= 0) {
      const j = (offsets[slot.storage]! + slot.sub) * 3;
      const gl = sumG - hist[j]!;
      const hl = sumH - hist[j + 1]!;
      const cl = count - hist[j + 2]!;
      const cr = count - cl;
      const hr = sumH - hl;
      if (cl < minSamplesLeaf || hl < minHessianLeaf || cr < minSamplesLeaf || hr < minHessianLeaf) continue;
      const gr = sumG - gl;
      const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        bestF = f;
        bestBin = 0;
        bestLG = gl;
        bestLH = hl;
        bestLC = cl;
      }
      continue;
    }
    const nb = counts[f]!;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    let j = offsets[slot.storage]! * 3;
    for (let b = 0; b < nb - 1; b++, j += 3) {
      gl += hist[j]!;
      hl += hist[j + 1]!;
      cl += hist[j + 2]!;
      if (cl < minSamplesLeaf || hl < minHessianLeaf) continue;
      const cr = count - cl;
      if (cr < minSamplesLeaf) break;
      const hr = sumH - hl;
      if (hr < minHessianLeaf) break;
      const gr = sumG - gl;
      const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        bestF = f;
        bestBin = b;
        bestLG = gl;
        bestLH = hl;
        bestLC = cl;
      }
    }
  }
  if (bestF < 0) return NO_SPLIT;
  return { feature: bestF, bin: bestBin, gain: bestGain, leftG: bestLG, leftH: bestLH, leftCount: bestLC };
}

/** A leaf's output before shrinkage: the Newton step −G/(H+λ). */
export function leafWeight(sumG: number, sumH: number, l2: number): number {
  return -sumG / (sumH + l2);
}
