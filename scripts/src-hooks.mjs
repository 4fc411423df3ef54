// Lets plain `node` run the workspace from TypeScript sources, for tests that spawn worker processes:
//   node --conditions=@slipway/source --import ./scripts/src-hooks.mjs worker.ts
// Node strips types itself; this hook only maps the `.js` specifiers of our sources to their `.ts` files.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
      if (existsSync(fileURLToPath(candidate))) return nextResolve(candidate.href, context);
    }
    return nextResolve(specifier, context);
  },
});
