import { z } from 'zod';

export const trackingSection = z
  .strictObject({
    /** A path (local store) or an http(s) MLflow URL. Env SLIPWAY_TRACKING_URI / MLFLOW_TRACKING_URI win. */
    uri: z.string().default('.slipway'),
    experiment: z.string().optional(),
  })
  .default({ uri: '.slipway' });
