import { z } from 'zod';

export const driftMethod = z.enum(['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi']);

/** A test and (optionally) its threshold; without one the method's default applies (0.05 for p-values, 0.1 for distances). */
const methodChoice = z.strictObject({ method: driftMethod, threshold: z.number().positive().optional() });

export const driftSection = z
  .strictObject({
    /** Dataset drift when at least this share of columns drifted. */
    shareThreshold: z.number().gt(0).max(1).default(0.5),
    /** Per-column test overrides, keyed by column name. */
    columns: z.record(z.string(), methodChoice).default({}),
    /** Replace Evidently's automatic choice for every numerical / categorical column. */
    numerical: methodChoice.optional(),
    categorical: methodChoice.optional(),
    /** Columns never tested for drift (ids, timestamps, the label). */
    ignore: z.array(z.string()).default([]),
  })
  .default({ shareThreshold: 0.5, columns: {}, ignore: [] });
