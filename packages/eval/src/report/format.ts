/** Number and text formatting shared by the Markdown and HTML renderers. */
import type { Interval } from './types.js';

export function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return x.toFixed(digits);
}

export function signed(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '—';
  return x > 0 ? `+${num(x, digits)}` : num(x, digits);
}

export function interval(ci: Interval | null | undefined, digits = 4): string {
  if (!ci) return '';
  return `[${num(ci.low, digits)}, ${num(ci.high, digits)}]`;
}

/**
 * The smallest p-value the paired bootstrap can give with `resamples` resamples: 2/(B+1), when no
 * resample crossed zero. A p-value there is a bound, not an estimate.
 */
export function bootstrapFloor(resamples: number): number {
  return 2 / (resamples + 1);
}

/** A p-value; at the bootstrap's floor (given `resamples`) it is shown as the bound `≤ 2/(B+1)`. */
export function pValue(p: number | null | undefined, resamples?: number): string {
  if (p === null || p === undefined) return '—';
  if (resamples !== undefined && p <= bootstrapFloor(resamples) * (1 + 1e-9))
    return `≤ ${Number(bootstrapFloor(resamples).toPrecision(3))}`;
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

export function html(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** TPR interpolated at evenly spaced FPRs (for charts that need a fixed x grid). */
export function rocOnGrid(roc: { fpr: number[]; tpr: number[] }, points = 21): number[] {
  const out: number[] = [];
  for (let g = 0; g < points; g++) {
    const x = g / (points - 1);
    let v = 0;
    for (let i = 0; i < roc.fpr.length; i++) {
      const fx = roc.fpr[i] as number;
      if (fx <= x) v = Math.max(v, roc.tpr[i] as number);
      else {
        const x0 = roc.fpr[i - 1] ?? 0;
        const y0 = roc.tpr[i - 1] ?? 0;
        const t = fx === x0 ? 1 : (x - x0) / (fx - x0);
        v = Math.max(v, y0 + t * ((roc.tpr[i] as number) - y0));
        break;
      }
    }
    out.push(Math.round(v * 1000) / 1000);
  }
  return out;
}

export const RULE_TEXT: Record<string, string> = {
  threshold: 'absolute threshold',
  minAbsoluteChange: 'min absolute change vs baseline',
  minRelativeChange: 'min relative change vs baseline',
  significance: 'no significant regression',
  missing: 'metric must exist',
  missing_baseline: 'baseline metric must exist',
  slice: 'slice gate',
  fairness: 'fairness gate',
};
