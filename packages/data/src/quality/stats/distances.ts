// Distances and goodness-of-fit tests used for drift, matching Evidently's definitions (which call
// scipy): chi-square on counts, two-proportion Z, normed Wasserstein, Jensen–Shannon distance, PSI.
import type { WeightedSample } from './ks.js';
import { chi2Sf, normalCdf } from './special.js';

/** scipy.stats.chisquare(observed, expected): statistic and p-value with k − 1 degrees of freedom. */
export function chiSquare(observed: number[], expected: number[]): { statistic: number; pValue: number } {
  let stat = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i]!;
    const o = observed[i]!;
    stat += e === 0 ? (o === 0 ? Number.NaN : Number.POSITIVE_INFINITY) : ((o - e) * (o - e)) / e;
  }
  if (Number.isNaN(stat)) {
    // scipy gives NaN terms for 0/0; drop them as "no evidence" rather than poisoning the sum.
    stat = 0;
    for (let i = 0; i < observed.length; i++) {
      const e = expected[i]!;
      const o = observed[i]!;
      if (e === 0 && o === 0) continue;
      stat += e === 0 ? Number.POSITIVE_INFINITY : ((o - e) * (o - e)) / e;
    }
  }
  const df = observed.length - 1;
  return { statistic: stat, pValue: df <= 0 ? 1 : chi2Sf(stat, df) };
}

/** Two-proportion Z-test, two-sided, as 2·(1 − Φ(|z|)) the way Evidently computes it. */
export function twoProportionZ(
  successA: number,
  nA: number,
  successB: number,
  nB: number,
): { statistic: number; pValue: number } {
  const p1 = successA / nA;
  const p2 = successB / nB;
  const p = (p1 * nA + p2 * nB) / (nA + nB);
  const z = (p1 - p2) / Math.sqrt(p * (1 - p) * (1 / nA + 1 / nB));
  if (Number.isNaN(z)) return { statistic: 0, pValue: 1 };
  return { statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))) };
}

/** First Wasserstein distance between two sorted (weighted) samples: ∫ |F₁(x) − F₂(x)| dx. */
export function wasserstein(a: WeightedSample, b: WeightedSample): number {
  const sum = (s: WeightedSample): number => {
    if (!s.weights) return s.values.length;
    let t = 0;
    for (const w of s.weights) t += w;
    return t;
  };
  const na = sum(a);
  const nb = sum(b);
  let i = 0;
  let j = 0;
  let ca = 0;
  let cb = 0;
  let prev = Number.NaN;
  let area = 0;
  const av = a.values;
  const bv = b.values;
  while (i < av.length || j < bv.length) {
    const x = j >= bv.length || (i < av.length && av[i]! <= bv[j]!) ? av[i]! : bv[j]!;
    if (!Number.isNaN(prev)) area += Math.abs(ca / na - cb / nb) * (x - prev);
    while (i < av.length && av[i] === x) {
      ca += a.weights ? a.weights[i]! : 1;
      i++;
    }
    while (j < bv.length && bv[j] === x) {
      cb += b.weights ? b.weights[j]! : 1;
      j++;
    }
    prev = x;
  }
  return area;
}

function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}

/**
 * Jensen–Shannon **distance** (square root of the divergence), natural log unless `base` is given:
 * scipy.spatial.distance.jensenshannon. Inputs are normalised to sum to 1 first.
 */
export function jensenShannon(p0: number[], q0: number[], base?: number): number {
  const sp = p0.reduce((s, v) => s + v, 0);
  const sq = q0.reduce((s, v) => s + v, 0);
  let js = 0;
  for (let i = 0; i < p0.length; i++) {
    const p = p0[i]! / sp;
    const q = q0[i]! / sq;
    const m = (p + q) / 2;
    if (p > 0) js += xlogy(p, p / m);
    if (q > 0) js += xlogy(q, q / m);
  }
  let d = js / 2;
  if (base !== undefined) d /= Math.log(base);
  return Math.sqrt(Math.max(0, d));
}

/** PSI = Σ (ref − cur)·ln(ref / cur) over shares that have already been zero-filled. */
export function psi(reference: number[], current: number[]): number {
  let s = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]!;
    const c = current[i]!;
    s += (r - c) * Math.log(r / c);
  }
  return s;
}

/** Evidently's zero fill: empty shares become 1e-4, or min non-zero / 1e6 when that is ≤ 1e-4. */
export function fillZeroes(shares: number[]): number[] {
  let min = Number.POSITIVE_INFINITY;
  for (const s of shares) if (s > 0 && s < min) min = s;
  if (!Number.isFinite(min)) return shares.slice();
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** numpy.histogram_bin_edges(x, bins='sturges') for data spanning [min, max] with n values. */
export function sturgesEdges(min: number, max: number, n: number): number[] {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(n) + 1);
  const bins = width > 0 ? Math.max(1, Math.ceil((last - first) / width)) : 1;
  // numpy.linspace
  const edges = new Array<number>(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i <= bins; i++) edges[i] = first + i * step;
  edges[bins] = last;
  return edges;
}

/** numpy.histogram bin index for uniform edges (last bin closed), or −1 outside. */
export function binIndex(x: number, edges: number[]): number {
  const bins = edges.length - 1;
  const first = edges[0]!;
  const last = edges[bins]!;
  if (x < first || x > last) return -1;
  let i = Math.floor((x - first) * (bins / (last - first)));
  if (i === bins) i -= 1;
  if (x < edges[i]!) i -= 1;
  else if (i !== bins - 1 && x >= edges[i + 1]!) i += 1;
  return i;
}
