#!/usr/bin/env node
// The package.json conventions of docs/releasing.md, checked on the source tree (fast; a quality
// gate, so a new package that misses one fails before anything is packed):
//   every public @dyrep/* package has description, license MIT, author, repository (with its
//   directory), homepage, bugs, engines, publishConfig.access public, a prepack build of the
//   package alone (no task dependencies: publishes run concurrently), `files`
//   with dist, README.md, CHANGELOG.md and LICENSE, and a LICENSE file equal to the root one;
//   siblings are ^ranges, never peers; every tfjs peer is the one range the CLI declares;
//   private packages are ignored by changesets. `tools/new-package.mjs` scaffolds all of this.
// One line per problem, naming the package.json; exit 1 if there is any.
// Usage: node tools/check-packages.mjs
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const REPO = 'git+https://github.com/dyrep-ts/dyrep-ts.git';
const problems = [];
const license = readFileSync(join(root, 'LICENSE'), 'utf8');
const changesets = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8'));

const packages = readdirSync(join(root, 'packages'))
  .filter((d) => existsSync(join(root, 'packages', d, 'package.json')))
  .map((dir) => ({ dir, file: `packages/${dir}/package.json`, pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }));
const tfRange = packages.find((p) => p.pkg.name === '@dyrep/cli')?.pkg.peerDependencies?.['@tensorflow/tfjs-core'];
if (!tfRange) problems.push('packages/cli/package.json: no peer range for @tensorflow/tfjs-core (the range every tfjs peer must use)');

for (const { dir, file, pkg } of packages) {
  const say = (what) => problems.push(`${file}: ${what}`);
  if (pkg.private) {
    if (!changesets.ignore.includes(pkg.name)) say(`private, but not in .changeset/config.json "ignore"`);
    continue;
  }
  if (!pkg.name?.startsWith('@dyrep/')) say(`name '${pkg.name}' is not @dyrep/*`);
  if (!pkg.description) say('no description');
  if (pkg.license !== 'MIT') say(`license is '${pkg.license}', expected MIT`);
  if (!pkg.author) say('no author');
  if (pkg.repository?.url !== REPO || pkg.repository?.directory !== `packages/${dir}`) say(`repository must be { "type": "git", "url": "${REPO}", "directory": "packages/${dir}" }`);
  if (pkg.homepage !== `https://github.com/dyrep-ts/dyrep-ts/tree/main/packages/${dir}#readme`) say('homepage must point at the package README on GitHub');
  if (!pkg.bugs?.url) say('no bugs.url');
  if (!pkg.engines?.node) say('no engines.node');
  if (pkg.publishConfig?.access !== 'public') say('publishConfig.access must be "public"');
  const prepack = `nx run ${pkg.name}:build --exclude-task-dependencies --output-style=static 1>&2`;
  if (pkg.scripts?.prepack !== prepack) {
    // Without a prepack, npm pack/publish ships a stale dist. With task dependencies, the
    // concurrent prepacks of `changeset publish` rebuild each other's dist while it is packed
    // (the rehearsal once published @dyrep/data without dist).
    say(`scripts.prepack must be '${prepack}'`);
  }
  for (const f of ['dist', 'README.md', 'CHANGELOG.md', 'LICENSE']) if (!pkg.files?.includes(f)) say(`"files" does not list ${f}`);
  const own = join(root, 'packages', dir, 'LICENSE');
  if (!existsSync(own)) say('packages/' + dir + '/LICENSE is missing (copy the root LICENSE)');
  else if (readFileSync(own, 'utf8') !== license) say(`packages/${dir}/LICENSE differs from the root LICENSE`);
  if (!existsSync(join(root, 'packages', dir, 'README.md'))) say(`packages/${dir}/README.md is missing`);
  for (const kind of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
    for (const [dep, range] of Object.entries(pkg[kind] ?? {})) {
      if (dep.startsWith('@dyrep/') && kind === 'peerDependencies') say(`${dep} is a peer dependency; make it a dependency (a sibling peer turns its releases into majors, docs/releasing.md)`);
      else if (dep.startsWith('@dyrep/') && !/^\^\d+\.\d+\.\d+$/.test(range)) say(`${kind}.${dep} is '${range}'; internal dependencies are ^ranges`);
      if (dep.startsWith('@tensorflow/') && kind === 'peerDependencies' && range !== tfRange) say(`peer ${dep} is '${range}'; every tfjs peer is '${tfRange}'`);
      if (dep.startsWith('@tensorflow/') && kind === 'dependencies') say(`${dep} is a dependency; tfjs is a peer (one engine per process)`);
    }
  }
}
if (problems.length) {
  for (const p of problems) console.error(`check-packages: ${p}`);
  process.exit(1);
}
console.log(`check-packages: ${packages.length} package.json files follow the release conventions`);
