#!/usr/bin/env node
// The `dyrep-tensorflow-installer` command: runs the built CLI (dist/cli.js, built by `npm run build`).
import('../dist/cli.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
    process.stderr.write('dyrep-tensorflow-installer: the command is not built; run `npm run build` at the repository root\n');
    process.exit(1);
  }
  throw e;
});
