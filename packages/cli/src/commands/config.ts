import { loadConfig } from '@slipway/core';
import type { Command } from '../command.js';

export const configCommands: Command[] = [
  {
    name: 'config print',
    summary: 'validate slipway.config.ts and print the resolved config (defaults applied) as JSON',
    flags: {
      config: {
        type: 'string',
        value: '<file>',
        description: 'config file (default: slipway.config.ts in --cwd or a parent)',
      },
    },
    async run(ctx) {
      const loaded = await loadConfig({
        cwd: ctx.cwd,
        ...(typeof ctx.flags.config === 'string' ? { file: ctx.flags.config } : {}),
      });
      const data = {
        file: loaded.file,
        root: loaded.root,
        configHash: loaded.configHash,
        config: loaded.config,
      };
      // Always JSON: the resolved config is data, not prose.
      ctx.output(ctx.json ? data : loaded.config, (d) => JSON.stringify(d, null, 2));
    },
  },
];
