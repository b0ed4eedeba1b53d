#!/usr/bin/env node
// Packs every public @dyrep/* package (`npm pack`), installs the tarballs into a fresh project
// outside the monorepo, imports each package there, and runs a tiny train → deploy → export with
// the library and with the `dyrep` command. Needs the packages built (`npm ci` builds them).
// Usage: node tools/pack-install-check.mjs [--keep]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'dyrep-pack-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } });

try {
  const packages = readdirSync(join(root, 'packages'))
    .map((d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')))
    .filter((p) => !p.private);
  for (const p of packages) {
    if (!existsSync(join(root, 'packages', p.name.split('/')[1], 'dist', 'index.js'))) throw new Error(`${p.name} is not built: run \`npm run build\` first`);
  }
  const tarballs = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work, ...packages.flatMap((p) => ['-w', p.name])], root)).map((t) => t.filename);
  console.log(`packed ${tarballs.length} packages: ${tarballs.join(', ')}`);
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const tf = rootPkg.devDependencies['@tensorflow/tfjs'];
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify(
      { name: 'dyrep-pack-check', private: true, type: 'module', dependencies: { ...Object.fromEntries(tarballs.map((t, i) => [packages[i].name, `file:./${t}`])), '@tensorflow/tfjs': tf } },
      null,
      2,
    ),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], work);
  console.log('installed the tarballs into', work);
  const names = packages.map((p) => p.name);
  writeFileSync(
    join(work, 'check.mjs'),
    `${names.map((n, i) => `import * as p${i} from '${n}';`).join('\n')}
const mods = { ${names.map((n, i) => `'${n}': p${i}`).join(', ')} };
for (const [name, m] of Object.entries(mods)) if (!Object.keys(m).length) throw new Error(name + ' exports nothing');
// Dual-package hazard: what the CommonJS build registers, the ESM build must see (one registry per process).
const { createRequire } = await import('node:module');
const requireCjs = createRequire(import.meta.url);
requireCjs('@dyrep/saliency').registerMetric('dual_check', mods['@dyrep/saliency'].createMetric('synflow'));
requireCjs('@dyrep/evolution').registerPolicy('dual_check', () => mods['@dyrep/evolution'].createPolicy('none'));
requireCjs('@dyrep/models').registerModel('dual_check', (o) => mods['@dyrep/models'].createModel('resnet18', o));
requireCjs('@dyrep/data').registerDataset('dual_check', async () => { throw new Error('not loaded'); });
const seen = [mods['@dyrep/saliency'].listMetrics(), mods['@dyrep/evolution'].listPolicies(), mods['@dyrep/models'].listModels(), mods['@dyrep/data'].listDatasets()];
if (!seen.every((names) => names.includes('dual_check'))) throw new Error('a registration made through require() is invisible to import(): ' + JSON.stringify(seen));
if (requireCjs('@dyrep/saliency').registerMetric === mods['@dyrep/saliency'].registerMetric) throw new Error('require() and import() loaded the same build; the dual-package check proves nothing');
console.log('dual-package check: metrics, policies, models and datasets registered through require() are seen by import()');
const { initBackend } = mods['@dyrep/backend'];
const { createSyntheticDataset, DataLoader } = mods['@dyrep/data'];
const { createModel } = mods['@dyrep/models'];
const { saliencyCollector } = mods['@dyrep/saliency'];
const { createPolicy } = mods['@dyrep/evolution'];
const { Trainer, classificationTask } = mods['@dyrep/trainer'];
const { deploy } = mods['@dyrep/exporter'];
const { exportTfjs, exportOnnx } = await import('@dyrep/exporter/node');
await initBackend('wasm');
const train = createSyntheticDataset({ size: 64, numClasses: 4, imageShape: [16, 16, 1], seed: 1 });
const model = createModel('resnet18', { width: 0.0625, numClasses: 4, inChannels: 1, stem: 'cifar' });
const saliency = saliencyCollector();
const trainer = new Trainer({ model, task: classificationTask(), train: new DataLoader(train, { batchSize: 16, shuffle: true }), epochs: 2, inputShape: [16, 16, 1],
  plugins: [saliency, createPolicy('dyrep', { saliency, adjustInterval: 1, topK: 2, recalBnBatches: 1 })] });
const { events } = await trainer.fit();
if (!events.length) throw new Error('dyrep changed nothing');
const deployed = deploy(model, { inputShape: [1, 16, 16, 1] });
await exportTfjs(deployed, 'export/tfjs');
await exportOnnx(deployed, 'export/model.onnx');
console.log('library check: ' + events.length + ' structure changes, exported tfjs + onnx');
`,
  );
  process.stdout.write(run('node', ['check.mjs'], work));
  const tiny = join(root, 'packages', 'cli', 'configs', 'fashion-mnist-tiny.yaml');
  const out = run(
    join(work, 'node_modules', '.bin', 'dyrep'),
    ['train', '--config', tiny, '--data-dir', join(root, 'data', 'fashion-mnist'), '--out', join(work, 'run'), '--epochs', '1', '--backend', 'wasm'],
    work,
  );
  if (!/test accuracy/.test(out) || !existsSync(join(work, 'run', 'export', 'model.onnx'))) throw new Error(`the dyrep command did not finish a run:\n${out}`);
  console.log('cli check: dyrep train finished and exported');
  const help = run(join(work, 'node_modules', '.bin', 'dyrep-tensorflow-installer'), ['install', '--help'], work);
  if (!/--wheel <file>/.test(help)) throw new Error(`the dyrep-tensorflow-installer command did not print its help:\n${help}`);
  console.log('installer check: dyrep-tensorflow-installer runs from the tarball');
  console.log('pack-install check passed');
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
