#!/usr/bin/env node
// A throwaway npm registry (verdaccio) on 127.0.0.1 for the release rehearsal: storage in the
// given directory, `@dyrep/*` published and served locally, no uplink (nothing is proxied to the
// internet: installs get every other package from the real registry through a scoped .npmrc).
// Prints `listening <port>` once it accepts requests. Usage: node tools/local-registry.mjs <dir>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runServer } from 'verdaccio';

const dir = resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
  console.error('usage: node tools/local-registry.mjs <storage-dir>');
  process.exit(2);
}
mkdirSync(join(dir, 'storage'), { recursive: true });
const config = join(dir, 'config.yaml');
writeFileSync(
  config,
  `storage: ${JSON.stringify(join(dir, 'storage'))}
auth:
  htpasswd:
    file: ${JSON.stringify(join(dir, 'htpasswd'))}
    max_users: 10
uplinks: {}
packages:
  '@dyrep/*':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
  '**':
    access: $all
    publish: $authenticated
log: { type: stdout, format: pretty, level: error }
`,
);
const app = await runServer(config);
const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
