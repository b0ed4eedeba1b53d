#!/usr/bin/env node
// Packs every public @dyrep/* package (`npm pack`, whose `prepack` builds through the nx cache)
// and checks what a user would download: publint (package.json vs files, `--strict`),
// arethetypeswrong (types resolve for `import` and `require` under node16 and bundlers),
// LICENSE/README/dist present and nothing else, and no package.json bundled into dist (versions
// are stamped constants). The package.json conventions are tools/check-packages.mjs (a quality
// gate). One line per problem, naming the package; exit 1 if there is any.
// Usage: node tools/check-tarballs.mjs [--keep]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'dyrep-tarballs-'));
const problems = [];

/** Runs a checker; its output becomes one problem line per package when it fails. */
function check(label, name, cmd, args) {
  try {
    execFileSync(cmd, args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  } catch (e) {
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^(Running publint|Linting|Errors:|Warnings:|Suggestions:|\S+\.tgz)/.test(l));
    problems.push(`${name}: ${label}: ${out.join(' | ').slice(0, 600) || e.message}`);
  }
}

try {
  const packages = readdirSync(join(root, 'packages'))
    .map((d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')))
    .filter((p) => !p.private);
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work, ...packages.flatMap((p) => ['-w', p.name])], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
      env: { ...process.env, NX_DAEMON: 'false' },
    }),
  );
  for (const t of packed) {
    const files = new Set(t.files.map((f) => f.path));
    for (const required of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) {
      if (!files.has(required)) problems.push(`${t.name}: the tarball has no ${required}`);
    }
    // Besides dist: the cli's bin and configs, the backend's wasm pthread worker (loaded at run time).
    const stray = [...files].filter((f) => !/^(dist|bin|configs|wasm)\//.test(f) && !['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'].includes(f));
    if (stray.length) problems.push(`${t.name}: unexpected files in the tarball: ${stray.join(', ')}`);
    const dir = join(work, t.name.replace('/', '+'));
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['xzf', join(work, t.filename), '-C', dir]);
    for (const f of files) {
      if (!/^dist\/.*\.(c?js)$/.test(f)) continue;
      if (readFileSync(join(dir, 'package', f), 'utf8').includes('"devDependencies"')) problems.push(`${t.name}: ${f} bundles a package.json (devDependencies found); stamp the version instead`);
    }
    check('publint', t.name, bin('publint'), ['run', join(work, t.filename), '--strict', '--level', 'warning']);
    check('arethetypeswrong', t.name, bin('attw'), [join(work, t.filename), '--format', 'ascii', '--no-emoji', '--no-color', '--profile', 'node16']);
  }
  if (problems.length) {
    for (const p of problems) console.error(`check-tarballs: ${p}`);
    process.exitCode = 1;
  } else console.log(`check-tarballs: ${packed.length} tarballs pass publint, arethetypeswrong (node16) and the file checks`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
}
