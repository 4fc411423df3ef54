/**
 * The trusted inputs of register, approve and promote, resolved from the command line and the runner's
 * environment before the command loads slipway.config.ts (see @slipway/governance policy/trusted.ts).
 */
import { resolveTrustedInputs, type TrustedInputs } from '@slipway/governance';
import type { CommandContext } from './command.js';

export const policyFlagDef = {
  policy: {
    type: 'string' as const,
    value: '<file>',
    description:
      'policy file, relative to the project root; in CI this (or slipway.policy.yaml) is what is read from the base branch, whatever the config says',
  },
};

export function policyFlag(ctx: CommandContext): string | null {
  return typeof ctx.flags.policy === 'string' ? ctx.flags.policy : null;
}

export function trustedInputsOf(ctx: CommandContext): Promise<TrustedInputs> {
  return resolveTrustedInputs({
    cwd: ctx.cwd,
    configFile: typeof ctx.flags.config === 'string' ? ctx.flags.config : null,
    policyPath: policyFlag(ctx),
  });
}
