#!/usr/bin/env node
// The `dyrep` command: runs the built CLI (packages/cli/dist, built by `npm ci` through the root `prepare` script).
import('../dist/bin.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bin.js')) {
    process.stderr.write('dyrep: the CLI is not built; run `npm run build` at the repository root\n');
    process.exit(1);
  }
  throw e;
});
