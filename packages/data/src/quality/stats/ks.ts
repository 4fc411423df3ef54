// Two-sample Kolmogorov–Smirnov test computed the way scipy's ks_2samp(method='auto') does:
// the exact lattice-path p-value when both samples have ≤ 10,000 values, else the one-sample
// Kolmogorov distribution at n = round(m·n / (m + n)).
import { logGamma } from './special.js';

/** A sorted sample; `weights` (default 1 each) lets a quantile sketch stand in for raw values. */
export interface WeightedSample {
  values: Float64Array;
  weights?: Float64Array;
}

function total(s: WeightedSample): number {
  if (!s.weights) return s.values.length;
  let t = 0;
  for (const w of s.weights) t += w;
  return t;
}

/** sup |F₁ − F₂| over both samples (each sorted ascending). */
export function ksStatistic(a: WeightedSample, b: WeightedSample): number {
  const na = total(a);
  const nb = total(b);
  let i = 0;
  let j = 0;
  let ca = 0;
  let cb = 0;
  let d = 0;
  const av = a.values;
  const bv = b.values;
  while (i < av.length || j < bv.length) {
    const x = j >= bv.length || (i < av.length && av[i]! <= bv[j]!) ? av[i]! : bv[j]!;
    while (i < av.length && av[i] === x) {
      ca += a.weights ? a.weights[i]! : 1;
      i++;
    }
    while (j < bv.length && bv[j] === x) {
      cb += b.weights ? b.weights[j]! : 1;
      j++;
    }
    const diff = Math.abs(ca / na - cb / nb);
    if (diff > d) d = diff;
  }
  return d;
}

/** numpy's round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

// Pr(D ≥ h/n) for equal sample sizes, Horner-like to avoid cancellation.
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

// 1 − (share of lattice paths staying strictly inside the band), Hodges' inside method.
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let k = minj; k < maxj; k++) A[k] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) for (let k = maxj - minj; k < maxj - minj + (lastlen - curlen); k++) A[k] = 1;
  }
  return A[maxj - minj - 1]!;
}

function logBinom(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** One-sided Smirnov survival function Pr(D⁺ₙ ≥ x), exact (Birnbaum–Tingey sum). */
export function smirnovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  let sum = 0;
  const last = Math.floor(n * (1 - x));
  for (let j = 0; j <= last; j++) {
    const a = 1 - x - j / n;
    const b = x + j / n;
    if (a <= 0) continue;
    sum += Math.exp(logBinom(n, j) + (n - j) * Math.log(a) + (j - 1) * Math.log(b));
  }
  return Math.min(1, x * sum);
}

// Durbin's matrix method (Marsaglia, Tsang & Wang 2003): exact CDF of the two-sided statistic.
function kolmogorovCdfDurbin(n: number, d: number): number {
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 < 0 ? 0 : 1;
  for (let i = 0; i < m; i++) {
    H[i * m] = H[i * m]! - h ** (i + 1);
    H[(m - 1) * m + i] = H[(m - 1) * m + i]! - h ** (m - i);
  }
  H[(m - 1) * m] = H[(m - 1) * m]! + (2 * h - 1 > 0 ? (2 * h - 1) ** m : 0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++)
      if (i - j + 1 > 0) for (let g = 1; g <= i - j + 1; g++) H[i * m + j] = H[i * m + j]! / g;
  const mul = (a: Float64Array, b: Float64Array): Float64Array => {
    const c = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let l = 0; l < m; l++) {
        const ail = a[i * m + l]!;
        if (ail === 0) continue;
        for (let j = 0; j < m; j++) c[i * m + j]! += ail * b[l * m + j]!;
      }
    return c;
  };
  // Matrix power with a separate base-2 exponent so the entries never overflow.
  const power = (p: number): { M: Float64Array; e: number } => {
    if (p === 1) return { M: H, e: 0 };
    const half = power(Math.floor(p / 2));
    let M = mul(half.M, half.M);
    let e = 2 * half.e;
    if (p % 2 === 1) M = mul(H, M);
    const centre = M[(k - 1) * m + (k - 1)]!;
    if (centre > 1e140) {
      const s = Math.floor(Math.log2(centre));
      const f = 2 ** -s;
      for (let i = 0; i < M.length; i++) M[i] = M[i]! * f;
      e += s;
    }
    return { M, e };
  };
  const { M, e } = power(n);
  let s = M[(k - 1) * m + (k - 1)]!;
  // n! / n^n, applied in log space.
  const logScale = logGamma(n + 1) - n * Math.log(n) + e * Math.LN2;
  s = Math.exp(Math.log(s) + logScale);
  return Math.min(1, Math.max(0, s));
}

/** Survival function of the exact two-sided one-sample Kolmogorov statistic Dₙ (scipy's kstwo.sf). */
export function kolmogorovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    const cdf = Math.exp(logGamma(n + 1) - n * Math.log(n) + n * Math.log(2 * t - 1));
    return 1 - cdf;
  }
  if (t >= n - 1) return 2 * (1 - x) ** n;
  if (x >= 0.5) return Math.min(1, 2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return 1 - kolmogorovCdfDurbin(n, x);
    return Math.min(1, 2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return Math.min(1, 2 * smirnovSf(n, x));
  // Same regions as scipy: the Durbin matrix while it stays small, else the Pelz–Good expansion.
  if (n <= 100_000 && n * x ** 1.5 <= 1.4) return 1 - kolmogorovCdfDurbin(n, x);
  return 1 - pelzGoodCdf(n, x);
}

const MIN_LOG = -708;

/** Pelz & Good (1976) expansion of Pr(Dₙ ≤ x) (Li-Chien/Korolyuk terms K0…K3 in theta-function form). */
export function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const PI2 = Math.PI ** 2;
  const PI4 = Math.PI ** 4;
  const PI6 = Math.PI ** 6;
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const qp = q ** (8 * k);
    const coeffs = [
      1,
      k1a + k1b * m2,
      k2a + k2b * m2 + k2c * m2 * m2,
      k3a + k3b * m2 + k3c * m2 * m2 + k3d * m2 ** 3,
    ];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qp + coeffs[i]!;
  }
  const denom = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / denom[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const ks2 = k * k;
    const qp = q ** ks2;
    k2extra += ks2 * qp;
    const kspi = Math.PI * k;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
  }
  K[2] = K[2]! + (k2extra * PI2 * SQRT2PI) / (-36 * z ** 3);
  K[3] = K[3]! + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

export interface KsResult {
  statistic: number;
  pValue: number;
  /** `exact` lattice-path count, or `asymptotic` (one-sample Kolmogorov distribution). */
  mode: 'exact' | 'asymptotic';
}

/** ks_2samp(a, b) on raw samples of sizes n1, n2 whose statistic is `d`. */
export function ksPValue(d: number, n1: number, n2: number): KsResult {
  if (n1 <= 10_000 && n2 <= 10_000) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(d * lcm);
    const dd = h / lcm;
    if (h === 0) return { statistic: dd, pValue: 1, mode: 'exact' };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (Number.isFinite(p) && p >= 0 && p <= 1) return { statistic: dd, pValue: p, mode: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const p = kolmogorovSf(roundHalfEven(en), d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), mode: 'asymptotic' };
}

export function ksTest(a: WeightedSample, b: WeightedSample): KsResult {
  return ksPValue(ksStatistic(a, b), Math.round(total(a)), Math.round(total(b)));
}
