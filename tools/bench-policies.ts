// The side-by-side policy benchmark of docs/benchmarks.md: runs `dyrep bench` on a config (default:
// the full Fashion-MNIST preset) and prints a Markdown section with the table, the DyRep structure
// timeline and the paper's claims checked, plus where the report and its screenshot are.
// Usage: npx tsx --conditions=@dyrep/source tools/bench-policies.ts [--config FILE] [--out DIR] [--policies none,dbb,dyrep]
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend } from '@dyrep/backend';
import { readConfigFile, resolveTrainConfig, runBench } from '@dyrep/cli';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'packages/cli/configs/fashion-mnist-bench.yaml' },
    out: { type: 'string', default: 'runs/bench-policies' },
    policies: { type: 'string', default: 'none,dbb,dyrep' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const config = resolveTrainConfig(readConfigFile(values.config!), { out: values.out, backend: values.backend });
await initBackend(config.backend);
const started = Date.now();
const result = await runBench(config, { policies: values.policies!.split(','), overwrite: true });
const minutes = (Date.now() - started) / 60000;
let screenshot = '';
try {
  screenshot = execFileSync('bash', ['tools/screenshot-report.sh', result.report], { encoding: 'utf8' }).trim();
} catch {
  screenshot = '(no screenshot: chromium unavailable)';
}

const by = Object.fromEntries(result.entries.map((e) => [e.policy, e]));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const row = (p: string) => {
  const e = by[p];
  const s = e.summary;
  const peakParams = Math.max(...s.history.map((h) => h.params));
  return `| ${p} | ${(s.testAccuracy * 100).toFixed(2)}% | ${mean(s.secondsPerEpoch).toFixed(0)} | ${mean(s.history.map((h) => h.dataSeconds)).toFixed(1)} | ${s.peakRssMB.toFixed(0)} | ${peakParams.toLocaleString('en-US')} | ${(Math.max(...s.history.map((h) => h.flops)) / 1e6).toFixed(2)} | ${s.params.deploy.toLocaleString('en-US')} | ${e.latencyMs.trainB64.toFixed(0)} → ${e.latencyMs.deployB64.toFixed(0)} |`;
};
const lines = [
  `Command: \`npx tsx --conditions=@dyrep/source tools/bench-policies.ts --config ${values.config} --policies ${values.policies}\``,
  `(${minutes.toFixed(0)} min; ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, backend ${config.backend}; ${config.model} width ${config.width}, ${config.epochs} epochs, batch ${config.batchSize}, lr ${config.lr}, seed ${config.seed}, ${config.trainLimit ?? 'all'} training / ${config.testLimit ?? 'all'} test images).`,
  '',
  '| policy | test top-1 | s/epoch | data wait s/epoch | peak RSS MB | peak train params | peak train MFLOPs | deployed params | latency b64 train → deployed (ms) |',
  '|---|---|---|---|---|---|---|---|---|',
  ...result.entries.map((e) => row(e.policy)),
  '',
];
const dy = by.dyrep?.summary;
if (dy) {
  lines.push('DyRep structure timeline (epoch = end of epoch, 1-based):', '', '| epoch | change | conv | branches |', '|---|---|---|---|');
  for (const ev of dy.events) lines.push(`| ${ev.epoch + 1} | ${ev.type} | \`${ev.path}\` | ${ev.branches.join(', ')} |`);
  lines.push('');
}
if (by.dyrep && by.dbb && by.none) {
  const t = (p: string) => mean(by[p].summary.secondsPerEpoch);
  const a = (p: string) => by[p].summary.testAccuracy;
  lines.push(
    'Claims of the paper, as measured here:',
    `- DyRep trains cheaper than static DBB: ${t('dyrep').toFixed(0)} vs ${t('dbb').toFixed(0)} s/epoch (${((1 - t('dyrep') / t('dbb')) * 100).toFixed(0)}% less) — ${t('dyrep') < t('dbb') ? 'holds' : 'does not hold'}.`,
    `- DyRep's accuracy is at least DBB's: ${(a('dyrep') * 100).toFixed(2)}% vs ${(a('dbb') * 100).toFixed(2)}% — ${a('dyrep') >= a('dbb') ? 'holds' : 'does not hold'}.`,
    `- DyRep's accuracy is above the plain network's: ${(a('dyrep') * 100).toFixed(2)}% vs ${(a('none') * 100).toFixed(2)}% — ${a('dyrep') > a('none') ? 'holds' : 'does not hold'}.`,
    '',
  );
}
lines.push(`Report: \`${result.report}\`; ${screenshot}`);
process.stdout.write(lines.join('\n') + '\n');
