/**
 * Group fairness of a binary classifier at its threshold over one sensitive column (the definitions
 * fairlearn uses): demographic parity difference = max − min selection rate over groups; equalized odds
 * difference = the larger of the TPR range and the FPR range over groups (groups without positives or
 * without negatives have no TPR or FPR and do not enter that range).
 */
import type { Column } from '@slipway/data';
import type { FairnessResult } from './report/types.js';

function groupKey(col: Column, i: number): string {
  switch (col.kind) {
    case 'string':
      return col.values[i] ?? '(null)';
    case 'boolean':
      return col.valid[i] ? (col.values[i] ? 'true' : 'false') : '(null)';
    default:
      return col.valid[i] ? String(col.values[i]) : '(null)';
  }
}

function range(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  if (v.length < 2) return null;
  return Math.max(...v) - Math.min(...v);
}

export function fairness(
  sensitive: Column,
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  threshold: number,
): FairnessResult {
  const acc = new Map<string, { n: number; sel: number; pos: number; tp: number; neg: number; fp: number }>();
  for (let i = 0; i < y.length; i++) {
    const key = groupKey(sensitive, i);
    let a = acc.get(key);
    if (!a) {
      a = { n: 0, sel: 0, pos: 0, tp: 0, neg: 0, fp: 0 };
      acc.set(key, a);
    }
    const pred = (p[i] as number) >= threshold;
    a.n++;
    if (pred) a.sel++;
    if (y[i] === 1) {
      a.pos++;
      if (pred) a.tp++;
    } else {
      a.neg++;
      if (pred) a.fp++;
    }
  }
  const groups = [...acc.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, a]) => ({
      group,
      support: a.n,
      selectionRate: a.sel / a.n,
      tpr: a.pos === 0 ? null : a.tp / a.pos,
      fpr: a.neg === 0 ? null : a.fp / a.neg,
    }));
  const dpd = range(groups.map((g) => g.selectionRate));
  const tprRange = range(groups.map((g) => g.tpr));
  const fprRange = range(groups.map((g) => g.fpr));
  const eod = tprRange === null && fprRange === null ? null : Math.max(tprRange ?? 0, fprRange ?? 0);
  return {
    sensitive: sensitive.name,
    demographicParityDifference: dpd,
    equalizedOddsDifference: eod,
    groups,
  };
}
