#!/usr/bin/env node
// Release rehearsal: the whole changesets release against a throwaway local registry.
//  1. copies the repository (tracked files; node_modules hard-linked) to a temporary directory;
//  2. adds a patch changeset for @dyrep/rep-blocks, runs `npm run version-packages`
//     (changeset version + version stamps) and asserts every public package moves to the version
//     the pending changesets say (one fixed group: the highest bump among them, never a surprise
//     major) and that the CHANGELOGs hold the changesets' summaries;
//  3. starts verdaccio on 127.0.0.1 (tools/local-registry.mjs, temporary storage, no uplink) and
//     runs `npm run release` (build, stamp check, `changeset publish`, whose prepack rebuilds);
//  4. in empty directories installs `@dyrep/rep-blocks` alone and `@dyrep/cli` alone (only
//     `@dyrep/*` from the local registry, everything else from the usual one), checks the tree,
//     grows and fuses a conv with rep-blocks on the lowest supported tfjs, and runs
//     `npx dyrep --version`, a tiny `dyrep train` on synthetic data (on the lowest tfjs too) and
//     the optional onnxruntime-web hint.
// Usage: node tools/release-rehearsal.mjs [--keep]
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'dyrep-release-'));
const repo = join(work, 'repo');
const started = Date.now();
const BUMPS = ['patch', 'minor', 'major'];

const step = (message) => console.log(`[rehearsal ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);
function fail(message) {
  throw new Error(`release rehearsal: ${message}`);
}
/** Runs a command; its output is returned (and shown on failure, with the command). */
function run(cmd, args, { cwd, env = {}, timeout = 600_000 } = {}) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout, maxBuffer: 64 << 20, env: { ...process.env, NX_DAEMON: 'false', FORCE_COLOR: '0', ...env } });
  } catch (e) {
    const why = e.signal ? `was killed (${e.signal}${e.code === 'ETIMEDOUT' || e.signal === 'SIGTERM' ? `, over its ${timeout / 1000} s limit` : ''})` : `exited with ${e.status}`;
    fail(`\`${cmd} ${args.join(' ')}\` ${why} in ${cwd}\n--- stderr (end) ---\n${String(e.stderr ?? '').slice(-4000)}\n--- stdout (end) ---\n${String(e.stdout ?? '').slice(-2000)}`);
  }
}
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const bump = (version, type) => {
  const [major, minor, patch] = version.split('.').map(Number);
  if (type === 'major') return `${major + 1}.0.0`;
  if (type === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
};

/** The lowest tfjs the peer ranges admit (`^4.20.0` → 4.20.0): installed below to test it. */
function lowestTfjs() {
  const range = readJson(join(root, 'packages', 'cli', 'package.json')).peerDependencies['@tensorflow/tfjs-core'];
  const m = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) fail(`packages/cli/package.json: the tfjs-core peer range '${range}' is not ^x.y.z`);
  return m[1];
}

/** Copies the tracked (and new, unignored) files without data/ and docs/, and hard-links node_modules. */
function copyRepository() {
  const files = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root })
    .split('\0')
    .filter((f) => f && !/^(data|docs)\//.test(f) && existsSync(join(root, f)));
  for (const f of files) cpSync(join(root, f), join(repo, f), { recursive: true });
  const modules = ['node_modules', ...readdirSync(join(root, 'packages')).map((d) => join('packages', d, 'node_modules'))].filter((d) => existsSync(join(root, d)));
  for (const d of modules) run('cp', ['-al', join(root, d), join(repo, d)], { cwd: root });
  run('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  run('git', ['add', '-A'], { cwd: repo });
  run('git', ['-c', 'user.name=rehearsal', '-c', 'user.email=rehearsal@localhost', 'commit', '-qm', 'rehearsal base'], { cwd: repo });
  return files.length;
}

/** Public packages of the copy: name → {dir, version}. */
function publicPackages(dir) {
  return new Map(
    readdirSync(join(dir, 'packages'))
      .filter((d) => existsSync(join(dir, 'packages', d, 'package.json')))
      .map((d) => [d, readJson(join(dir, 'packages', d, 'package.json'))])
      .filter(([, p]) => !p.private)
      .map(([d, p]) => [p.name, { dir: d, version: p.version }]),
  );
}

/** Pending changesets: their bump per package and summary. */
function pendingChangesets() {
  const dir = join(repo, '.changeset');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
      if (!m) fail(`.changeset/${f} has no front matter`);
      const releases = [...m[1].matchAll(/^\s*["']?(@dyrep\/[a-z0-9-]+)["']?\s*:\s*(patch|minor|major)\s*$/gm)].map((r) => ({ name: r[1], type: r[2] }));
      return { file: f, releases, summary: m[2].trim() };
    });
}

function checkVersioning(before) {
  const changesets = pendingChangesets();
  const highest = changesets.flatMap((c) => c.releases).reduce((h, r) => Math.max(h, BUMPS.indexOf(r.type)), -1);
  const current = new Set([...before.values()].map((p) => p.version));
  if (current.size !== 1) fail(`the fixed group starts from several versions: ${[...current].join(', ')}`);
  const expected = bump([...current][0], BUMPS[highest]);
  step(`${changesets.length} pending changesets, highest bump ${BUMPS[highest]}: every public package should go ${[...current][0]} → ${expected}`);
  run('npm', ['run', 'version-packages'], { cwd: repo });
  const after = publicPackages(repo);
  for (const [name, p] of after) if (p.version !== expected) fail(`${name} is at ${p.version} after changeset version, expected ${expected}`);
  for (const c of changesets) {
    for (const r of c.releases) {
      const log = readFileSync(join(repo, 'packages', after.get(r.name).dir, 'CHANGELOG.md'), 'utf8');
      const section = log.split(/^## /m).find((s) => s.startsWith(`${expected}\n`)) ?? fail(`${r.name}/CHANGELOG.md has no section ${expected}`);
      const firstLine = c.summary.split('\n')[0].trim();
      if (!section.includes(`### ${r.type[0].toUpperCase()}${r.type.slice(1)} Changes`) || !section.includes(firstLine)) {
        fail(`${r.name}/CHANGELOG.md ${expected} lacks the ${r.type} entry of .changeset/${c.file} ('${firstLine}')`);
      }
    }
  }
  if (existsSync(join(repo, '.changeset', 'release-rehearsal.md'))) fail('changeset version left .changeset/release-rehearsal.md behind');
  for (const stamped of ['exporter', 'cli']) {
    if (!readFileSync(join(repo, 'packages', stamped, 'src', 'version.ts'), 'utf8').includes(`'${expected}'`)) fail(`packages/${stamped}/src/version.ts was not stamped with ${expected}`);
  }
  step(`changeset version: ${after.size} packages at ${expected}, CHANGELOGs hold every changeset's summary, version.ts stamped`);
  return expected;
}

/** Starts the local registry and resolves with its URL and a stop function. */
function startRegistry() {
  const child = spawn(process.execPath, [join(root, 'tools', 'local-registry.mjs'), join(work, 'registry')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, reject) => {
    // Generous: on a saturated 2-core machine verdaccio has taken over a minute to start.
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error('release rehearsal: verdaccio did not start within 300 s'));
    }, 300_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        done({ url: `http://127.0.0.1:${m[1]}/`, stop: () => child.kill('SIGTERM') });
      }
    });
    child.on('exit', (code) => reject(new Error(`release rehearsal: verdaccio exited with ${code} before listening`)));
  });
}

/** Creates a registry user and returns an npmrc granting it publish rights. */
async function publishNpmrc(url) {
  const res = await fetch(`${url}-/user/org.couchdb.user:rehearsal`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rehearsal', password: 'rehearsal-password', email: 'rehearsal@localhost' }),
  });
  const body = await res.json();
  if (!body.token) fail(`verdaccio refused the rehearsal user: ${res.status} ${JSON.stringify(body)}`);
  const file = join(work, 'publish.npmrc');
  writeFileSync(file, `registry=${url}\n//${new URL(url).host}/:_authToken=${body.token}\n`);
  return file;
}

/** An empty project whose npmrc takes only @dyrep/* from the local registry. */
function emptyProject(name, url) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `rehearsal-${name}`, private: true, type: 'module' }, null, 2)}\n`);
  writeFileSync(join(dir, '.npmrc'), `@dyrep:registry=${url}\n`);
  return dir;
}
const install = (dir, specs) => run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...specs], { cwd: dir, timeout: 900_000 });
const installedDyrep = (dir) => readdirSync(join(dir, 'node_modules', '@dyrep')).sort();
const installedVersion = (dir, name) => readJson(join(dir, 'node_modules', ...name.split('/'), 'package.json')).version;

function checkRepBlocksAlone(url, version, lowTf) {
  const dir = emptyProject('rep-blocks-alone', url);
  install(dir, ['@dyrep/rep-blocks']);
  const tree = installedDyrep(dir);
  if (tree.join() !== 'core,nn,rep-blocks') fail(`installing @dyrep/rep-blocks alone brought @dyrep/{${tree.join(',')}}, expected core, nn, rep-blocks`);
  for (const p of tree) if (installedVersion(dir, `@dyrep/${p}`) !== version) fail(`@dyrep/${p} installed at ${installedVersion(dir, `@dyrep/${p}`)}, expected ${version}`);
  install(dir, [`@tensorflow/tfjs-core@${lowTf}`, `@tensorflow/tfjs-backend-cpu@${lowTf}`]);
  writeFileSync(
    join(dir, 'check.mjs'),
    `import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Conv2d } from '@dyrep/nn';
import { growConv } from '@dyrep/rep-blocks';
await tf.setBackend('cpu');
const conv = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, bias: true }).eval();
const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 7);
const want = conv.forward(x);
const block = growConv(conv, { branches: 'full', gate: 0.5 }).eval();
const grown = block.forward(x);
const fused = block.toConv().eval().forward(x);
const d1 = tf.max(tf.abs(tf.sub(grown, want))).dataSync()[0], d2 = tf.max(tf.abs(tf.sub(fused, want))).dataSync()[0];
if (!(d1 < 1e-4 && d2 < 1e-4)) throw new Error('grow/fuse changed the output: ' + d1 + ', ' + d2);
console.log('tfjs-core ' + tf.version_core + ': grown and fused outputs equal the conv (max |Δ| ' + Math.max(d1, d2).toExponential(1) + ')');
`,
  );
  const out = run('node', ['check.mjs'], { cwd: dir }).trim();
  if (!out.startsWith(`tfjs-core ${lowTf}:`)) fail(`the rep-blocks check did not run on tfjs-core ${lowTf}: ${out}`);
  step(`@dyrep/rep-blocks alone: @dyrep/{${tree.join(', ')}}@${version}; ${out}`);
}

function checkCliAlone(url, version, lowTf) {
  const dir = emptyProject('cli-alone', url);
  install(dir, ['@dyrep/cli']);
  if (existsSync(join(dir, 'node_modules', 'onnxruntime-web'))) fail('onnxruntime-web was installed with @dyrep/cli although it is an optional peer');
  const tree = installedDyrep(dir);
  for (const p of tree) if (installedVersion(dir, `@dyrep/${p}`) !== version) fail(`@dyrep/${p} installed at ${installedVersion(dir, `@dyrep/${p}`)}, expected ${version}`);
  const reported = run('npx', ['--no-install', 'dyrep', '--version'], { cwd: dir }).trim();
  if (reported !== version) fail(`npx dyrep --version printed '${reported}', expected ${version}`);
  step(`@dyrep/cli alone: ${tree.length} @dyrep packages at ${version}, no onnxruntime-web, \`npx dyrep --version\` → ${reported}`);
  step(`dyrep train on synthetic data (tfjs ${installedVersion(dir, '@tensorflow/tfjs-core')}): ${tinyTraining(dir, 'latest tfjs')}`);
  let hint = '';
  try {
    execFileSync('npx', ['--no-install', 'dyrep', 'eval', '--model', join('run', 'export', 'model.onnx'), '--dataset', 'synthetic', '--test-limit', '8'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    hint = String(e.stderr).trim();
  }
  if (!/^dyrep: .*npm install onnxruntime-web/.test(hint) || hint.includes('\n')) fail(`dyrep eval of an .onnx without onnxruntime-web should fail with a one-line install hint, got: '${hint}'`);
  step(`without onnxruntime-web: ${hint}`);
  // A user on the lowest tfjs installs the CLI next to it in one command (downgrading tfjs inside
  // an existing tree is an npm ERESOLVE, as for any peer set, and is not what users do).
  const low = emptyProject('cli-lowest-tfjs', url);
  install(low, ['@dyrep/cli', ...['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm'].map((p) => `${p}@${lowTf}`)]);
  for (const p of ['tfjs', 'tfjs-core', 'tfjs-layers', 'tfjs-backend-wasm']) {
    if (installedVersion(low, `@tensorflow/${p}`) !== lowTf) fail(`@tensorflow/${p} is ${installedVersion(low, `@tensorflow/${p}`)} next to @dyrep/cli, expected ${lowTf}`);
  }
  step(`dyrep train on synthetic data (tfjs ${lowTf}, the lowest the peer ranges allow): ${tinyTraining(low, `tfjs ${lowTf}`)}`);
}

/** A tiny `dyrep train` with the dyrep policy on synthetic data in `dir`; it must grow and export. */
function tinyTraining(dir, label) {
  writeFileSync(
    join(dir, 'tiny.yaml'),
    'model: resnet18\nwidth: 0.0625\nstem: cifar\ndataset: synthetic\ntrain_limit: 96\ntest_limit: 32\nepochs: 2\nbatch_size: 32\nlr: 0.05\npolicy: dyrep\nadjust_interval: 1\ntop_k: 2\nrecal_bn_iters: 1\nseed: 0\n',
  );
  const out = run('npx', ['--no-install', 'dyrep', 'train', '--config', 'tiny.yaml', '--out', 'run', '--backend', 'wasm'], { cwd: dir });
  const summary = readJson(join(dir, 'run', 'summary.json'));
  if (!/test accuracy/.test(out) || !existsSync(join(dir, 'run', 'export', 'model.onnx'))) fail(`dyrep train (${label}) did not finish a run:\n${out}`);
  if (!summary.events?.some((e) => e.type === 'grow')) fail(`dyrep train (${label}) grew nothing: ${JSON.stringify(summary.events)}`);
  return `${summary.events.length} structure changes, test accuracy ${summary.testAccuracy}`;
}

let registry;
try {
  step(`copying ${copyRepository()} files to ${repo}`);
  const before = publicPackages(repo);
  writeFileSync(join(repo, '.changeset', 'release-rehearsal.md'), '---\n"@dyrep/rep-blocks": patch\n---\n\nRelease rehearsal: a patch of one package.\n');
  const version = checkVersioning(before);
  registry = await startRegistry();
  step(`verdaccio at ${registry.url} (storage ${join(work, 'registry')}, no uplink)`);
  const npmrc = await publishNpmrc(registry.url);
  run('npm', ['run', 'release'], { cwd: repo, env: { NPM_CONFIG_USERCONFIG: npmrc, npm_config_registry: registry.url }, timeout: 2_700_000 });
  for (const name of before.keys()) {
    const res = await fetch(`${registry.url}${name.replace('/', '%2f')}`);
    const doc = res.ok ? await res.json() : {};
    if (doc['dist-tags']?.latest !== version) fail(`${name}@${version} is not on the local registry (latest: ${doc['dist-tags']?.latest ?? res.status})`);
  }
  for (const [name, p] of before) {
    // What was uploaded: every tarball must carry its build (concurrent prepacks once shipped one without dist/).
    const tarball = join(work, 'registry', 'storage', name, `${name.split('/')[1]}-${version}.tgz`);
    const files = run('tar', ['tzf', tarball], { cwd: work }).split('\n');
    for (const f of ['package/dist/index.js', 'package/dist/index.cjs', 'package/dist/index.d.ts', 'package/LICENSE', 'package/CHANGELOG.md']) {
      if (!files.includes(f)) fail(`the published ${name}@${version} (packages/${p.dir}) has no ${f.slice('package/'.length)}`);
    }
  }
  step(`changeset publish: ${before.size} packages published at ${version}, each tarball with dist, LICENSE and CHANGELOG.md`);
  const lowTf = lowestTfjs();
  checkRepBlocksAlone(registry.url, version, lowTf);
  checkCliAlone(registry.url, version, lowTf);
  step('release rehearsal passed');
} finally {
  registry?.stop();
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
