import { z } from 'zod';

export const driftMethod = z.enum(['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi']);

export const driftSection = z
  .strictObject({
    /** Dataset drift when at least this share of columns drifted. */
    shareThreshold: z.number().gt(0).max(1).default(0.5),
    columns: z
      .record(z.string(), z.strictObject({ method: driftMethod, threshold: z.number().positive() }))
      .default({}),
    ignore: z.array(z.string()).default([]),
  })
  .default({ shareThreshold: 0.5, columns: {}, ignore: [] });
