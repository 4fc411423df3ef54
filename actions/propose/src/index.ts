import { runAction } from '@slipway/github/runtime';

await runAction(import.meta.url);
