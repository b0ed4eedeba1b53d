#!/usr/bin/env node
// Writes each package's `src/version.ts` from its package.json version, so that the version is
// compiled in as a string constant (no package.json bundled into dist, nothing read at run time,
// browser-safe). `npm run version-packages` runs it after `changeset version`.
// Usage: node tools/stamp-versions.mjs [--check]   (--check: exit 1 naming each stale file)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Packages that export a version constant, and its name. */
const STAMPED = { exporter: 'EXPORTER_VERSION', cli: 'CLI_VERSION' };

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const stale = [];
for (const [dir, constant] of Object.entries(STAMPED)) {
  const pkgFile = join(root, 'packages', dir, 'package.json');
  if (!existsSync(pkgFile)) throw new Error(`stamp-versions: ${pkgFile} is missing (STAMPED lists packages/${dir})`);
  const { name, version } = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const file = join(root, 'packages', dir, 'src', 'version.ts');
  const text = `// Written by tools/stamp-versions.mjs from package.json; do not edit.\n\n/** Version of \`${name}\`. */\nexport const ${constant}: string = '${version}';\n`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (current === text) continue;
  if (check) stale.push(`packages/${dir}/src/version.ts does not say ${version}`);
  else writeFileSync(file, text);
}
if (stale.length) {
  for (const s of stale) console.error(`stamp-versions: ${s}; run \`node tools/stamp-versions.mjs\``);
  process.exit(1);
}
