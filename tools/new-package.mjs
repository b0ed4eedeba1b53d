#!/usr/bin/env node
// Scaffolds packages/<name> with the monorepo's conventions: dual ESM/CJS exports with a
// source condition, tsup, mocha, README. Usage: node tools/new-package.mjs <name> "<description>" [--private]
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [name, description = '', flag] = process.argv.slice(2);
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: node tools/new-package.mjs <kebab-name> "<description>" [--private]');
  process.exit(2);
}
const dir = join('packages', name);
if (existsSync(dir)) {
  console.error(`${dir} exists already`);
  process.exit(2);
}
const isPrivate = flag === '--private';
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'test'), { recursive: true });
const pkg = {
  name: `@dyrep/${name}`,
  version: '0.0.0',
  description,
  license: 'MIT',
  ...(isPrivate
    ? { private: true }
    : {
        author: 'dyrep-ts contributors',
        repository: { type: 'git', url: 'git+https://github.com/dyrep-ts/dyrep-ts.git', directory: `packages/${name}` },
        homepage: `https://github.com/dyrep-ts/dyrep-ts/tree/main/packages/${name}#readme`,
        bugs: { url: 'https://github.com/dyrep-ts/dyrep-ts/issues' },
        engines: { node: '>=20' },
      }),
  type: 'module',
  sideEffects: false,
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      '@dyrep/source': './src/index.ts',
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md', 'CHANGELOG.md', 'LICENSE'],
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    test: 'mocha',
    ...(isPrivate ? {} : { prepack: `nx run @dyrep/${name}:build --exclude-task-dependencies --output-style=static 1>&2` }),
  },
  // tfjs is a peer range (docs/releasing.md); sibling packages go in as "^<version>" ranges.
  peerDependencies: { '@tensorflow/tfjs-core': '^4.20.0' },
  ...(isPrivate ? {} : { publishConfig: { access: 'public' } }),
};
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
if (!isPrivate) copyFileSync('LICENSE', join(dir, 'LICENSE'));
writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test'] }, null, 2) + '\n');
writeFileSync(join(dir, 'tsup.config.ts'), "import { defineConfig } from 'tsup';\nimport { baseConfig } from '../../tsup.base';\n\nexport default defineConfig(baseConfig);\n");
writeFileSync(join(dir, '.mocharc.cjs'), "module.exports = require('../../.mocharc.base.cjs');\n");
writeFileSync(join(dir, 'src', 'index.ts'), `// Public API of @dyrep/${name}.\nexport {};\n`);
writeFileSync(join(dir, 'README.md'), `# @dyrep/${name}\n\n${description}\n`);
console.log(`created ${dir}`);
