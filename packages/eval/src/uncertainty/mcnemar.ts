/**
 * McNemar's test for two classifiers scored on the same rows: only the discordant pairs matter
 * (b = candidate right and baseline wrong, c = the reverse). Exact two-sided binomial test at p = ½
 * (what statsmodels' mcnemar(exact=True) and scipy's binomtest compute), summed in log space so that
 * millions of discordant pairs neither underflow nor lose precision.
 */
export interface McNemarResult {
  /** Candidate right, baseline wrong. */
  b: number;
  /** Candidate wrong, baseline right. */
  c: number;
  pValue: number;
}

export function mcnemarFromCounts(b: number, c: number): McNemarResult {
  const n = b + c;
  if (n === 0) return { b, c, pValue: 1 };
  const m = Math.min(b, c);
  // log P(X = k) for X ~ Binomial(n, ½), built by the ratio P(k+1)/P(k) = (n−k)/(k+1).
  const logs = new Float64Array(m + 1);
  let lp = -n * Math.LN2;
  for (let k = 0; k <= m; k++) {
    logs[k] = lp;
    lp += Math.log(n - k) - Math.log(k + 1);
  }
  const top = logs[m] as number;
  let s = 0;
  for (let k = m; k >= 0; k--) {
    const t = Math.exp((logs[k] as number) - top);
    s += t;
    if (t < 1e-18 * s) break;
  }
  const cdf = Math.exp(top) * s;
  // Two-sided: symmetric at p = ½; the middle term is counted once when b = c.
  const p = b === c ? 1 : Math.min(1, 2 * cdf);
  return { b, c, pValue: p };
}

/** `candCorrect[i]`, `baseCorrect[i]`: 1 when that model classified row i correctly. */
export function mcnemar(candCorrect: ArrayLike<number>, baseCorrect: ArrayLike<number>): McNemarResult {
  let b = 0;
  let c = 0;
  for (let i = 0; i < candCorrect.length; i++) {
    const x = candCorrect[i] === 1;
    const y = baseCorrect[i] === 1;
    if (x && !y) b++;
    else if (!x && y) c++;
  }
  return mcnemarFromCounts(b, c);
}
