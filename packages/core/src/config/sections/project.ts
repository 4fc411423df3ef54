import { z } from 'zod';

export const projectSection = z.strictObject({
  /** Used as the registered model name unless `model.name` says otherwise. */
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
  description: z.string().optional(),
  owners: z.array(z.string()).default([]),
});
