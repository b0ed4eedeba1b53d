import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpointFile, writeCheckpointFile } from '@dyrep/trainer/node';
import { useBackend } from '@dyrep/test-utils';
import { dyrep, lastJson } from './helpers/run-dyrep';
import { main } from '../src/program';

const here = dirname(fileURLToPath(import.meta.url));
const tiny = resolve(here, '..', 'configs', 'fashion-mnist-tiny.yaml');
const cocoFixture = resolve(here, '..', '..', 'detection', 'test', 'fixtures', 'coco', 'realistic_random.json');

const metricPlugin = resolve(here, 'fixtures', 'smallest-conv-metric.mjs');
const version = JSON.parse(readFileSync(resolve(here, '..', 'package.json'), 'utf8')).version as string;

/** Runs `main(argv)` in this process, capturing what it writes (for commands that stop before any work). */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [write, writeErr] = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((s: string) => out.push(String(s)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => err.push(String(s)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

describe('the dyrep command', function () {
  this.timeout(600000); // each run is seconds alone, minutes on a shared 2-core machine
  useBackend('wasm');
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains on a preset, writes the promised files, and its exports score what the trainer reported', async () => {
    const out = join(dir, 'run');
    const r = await dyrep(['train', '--config', tiny, '--out', out, '--backend', 'wasm', '--log-interval', '0.001']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/test accuracy \(top-1\)/);
    // Not a terminal: heartbeat lines within each epoch (4 batches), then the epoch line.
    expect(r.stderr).to.match(/^epoch 1\/2 batch 1\/4 \(25%\) loss \d+\.\d{4}, \d+ img\/s, elapsed \dm\d\ds, ETA \dm\d\ds$/m);
    expect(r.stderr).to.match(/^epoch 2\/2 batch 3\/4 /m);
    for (const f of ['checkpoint/last.ckpt', 'metrics.jsonl', 'summary.json', 'report.html', 'export/tfjs/model.json', 'export/model.onnx']) {
      expect(existsSync(join(out, f)), f).to.equal(true);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).to.include.keys('testAccuracy', 'epochs', 'secondsPerEpoch', 'params', 'flops', 'backend', 'events');
    expect(summary.params).to.have.keys('train', 'deploy');
    expect(summary.secondsPerEpoch).to.have.length(2);
    expect(summary.events.length).to.be.at.least(2);
    for (const e of summary.events) expect(e).to.have.keys('epoch', 'type', 'path', 'branches');
    expect(summary.deployMaxRelDiff).to.be.below(1e-4);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).to.include('<svg').and.include('Test accuracy (top-1)').and.include(summary.events[0].path);
    const limit = ['--test-limit', '128'];
    for (const source of [
      ['--checkpoint', out],
      ['--model', join(out, 'export', 'tfjs', 'model.json')],
      ['--model', join(out, 'export', 'model.onnx')],
    ]) {
      const e = await dyrep(['eval', ...source, ...limit, '--backend', 'wasm']);
      expect(e.code, e.stderr).to.equal(0);
      expect(lastJson(e.stdout).top1, source.join(' ')).to.equal(summary.testAccuracy);
    }
    const again = await dyrep(['train', '--config', tiny, '--out', out]);
    expect(again.code).to.equal(2);
    expect(again.stderr.trim()).to.match(/^dyrep: '.*' already holds a run .*--resume.*--force/);
    const resumed = await dyrep(['train', '--config', tiny, '--out', out, '--resume']);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).testAccuracy).to.equal(summary.testAccuracy);
  });

  it('exports a checkpoint on request and refuses to clobber', async () => {
    const out = join(dir, 'run');
    const onnx = join(dir, 'again.onnx');
    const first = await dyrep(['export', '--checkpoint', out, '--format', 'onnx', '--out', onnx, '--backend', 'wasm']);
    expect(first.code, first.stderr).to.equal(0);
    expect(lastJson(first.stdout).maxRelDiff).to.be.below(1e-4);
    const second = await dyrep(['export', '--checkpoint', out, '--format', 'onnx', '--out', onnx]);
    expect(second.code).to.equal(2);
    expect(second.stderr).to.match(/exists.*--force/);
  });

  it('refuses to export a checkpoint whose structure does not match its weights', async () => {
    const run = join(dir, 'run');
    const file = join(run, 'checkpoint', 'last.ckpt');
    const { meta, tensors } = readCheckpointFile(file);
    const m = meta as { structure: { path: string; branches: string[] }[] };
    m.structure[0].branches = m.structure[0].branches.filter((b) => b !== '1x1');
    const broken = join(dir, 'broken.ckpt');
    await writeCheckpointFile(broken, m, tensors);
    const r = await dyrep(['export', '--checkpoint', broken, '--format', 'tfjs', '--out', join(dir, 'broken-export')]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^dyrep: checkpoint '.*broken.ckpt' does not match the model: unexpected '.*\.1x1\./m);
    expect(existsSync(join(dir, 'broken-export'))).to.equal(false);
  });

  it('benchmarks policies side by side from any working directory, with a --plugin metric, and writes a report', async () => {
    const out = join(dir, 'bench');
    const elsewhere = mkdtempSync(join(tmpdir(), 'dyrep-cwd-'));
    const args = ['bench', '--config', tiny, '--policies', 'none,dyrep', '--epochs', '2', '--out', out, '--backend', 'wasm', '--metric', 'fixture_smallest'];
    // Without the plugin the name is refused before any run starts.
    const unknown = await inProcess(args);
    expect(unknown.code, unknown.stderr).to.equal(2);
    expect(unknown.stderr).to.match(/^dyrep: unknown saliency metric 'fixture_smallest'/);
    const r = await dyrep(['--plugin', metricPlugin, ...args], elsewhere);
    rmSync(elsewhere, { recursive: true, force: true });
    expect(r.code, r.stderr).to.equal(0);
    // The plugin's metric ranks the smallest convs first: the stem conv (1 → 4 channels) grows.
    const dyrepRun = JSON.parse(readFileSync(join(out, 'dyrep', 'summary.json'), 'utf8'));
    expect(dyrepRun.events.filter((e: { type: string }) => e.type === 'grow').map((e: { path: string }) => e.path)).to.include('conv1');
    expect(r.stdout)
      .to.match(/^policy\s+test acc\s+s\/epoch\s+data s\/epoch\s+peak RSS MB/m)
      .and.match(/^none\s/m)
      .and.match(/^dyrep\s/m);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).to.include('<svg').and.include('Test accuracy').and.include('Structure timeline');
    const bench = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
    expect(bench.entries.map((e: { policy: string }) => e.policy)).to.deep.equal(['none', 'dyrep']);
  });

  it('fine-tunes a detector on a generated set, prints a summary table and writes detections, summary and report', async () => {
    const out = join(dir, 'detect');
    const args = [
      'detect',
      'train',
      '--generate',
      '48,16',
      '--canvas',
      '64',
      '--width',
      '0.0625',
      '--neck-channels',
      '8',
      '--epochs',
      '2',
      '--batch-size',
      '16',
      '--adjust-interval',
      '1',
      '--backend',
      'wasm',
      '--out',
      out,
    ];
    const r = await dyrep(args);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout)
      .to.match(/^mAP @\[\.50:\.95\] \(%\)\s+\d/m)
      .and.match(/^structure changes\s+1 grow/m)
      .and.match(/^report: .*report\.html$/m);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.history.map((h: { epoch: number }) => h.epoch)).to.deep.equal([0, 1]);
    expect(summary.events).to.have.length(1);
    expect(summary.fusedMetrics).to.have.property('mAP');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).to.include('<svg').and.include('Validation mAP').and.include(summary.events[0].path);
    const e = await dyrep(['detect', 'eval', '--gt', summary.groundTruth, '--dt', summary.detections]);
    expect(e.code, e.stderr).to.equal(0);
    expect(lastJson(e.stdout).AP).to.be.closeTo(summary.metrics.mAP, 1e-12);
    const again = await dyrep(args);
    expect(again.code).to.equal(2);
    expect(again.stderr.trim()).to.match(/already holds a detection run; pass --resume to continue it, --force to replace it/);
  });

  it('prints the 12 COCO numbers as the last line of detect eval', async () => {
    const fixture = JSON.parse(readFileSync(cocoFixture, 'utf8'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'gt.json'), JSON.stringify(fixture.gt));
    writeFileSync(join(dir, 'dt.json'), JSON.stringify(fixture.dt));
    const r = await dyrep(['detect', 'eval', '--gt', join(dir, 'gt.json'), '--dt', join(dir, 'dt.json')]);
    expect(r.code, r.stderr).to.equal(0);
    const numbers = lastJson(r.stdout);
    expect(Object.keys(numbers)).to.deep.equal(['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl']);
    for (const [k, v] of Object.entries(fixture.expected as Record<string, number>)) expect(numbers[k], k).to.be.closeTo(v, 1e-4);
  });

  it('prints its version, and defaults in every --help', async () => {
    const v = await inProcess(['--version']);
    expect(v.code).to.equal(0);
    expect(v.stdout.trim()).to.equal(version);
    // Help text wraps at the terminal width: compare with runs of white space as one space.
    const helps: [string[], RegExp[]][] = [
      [[], [/--log-interval <seconds> .* \(default: 30\)/, /--plugin <module> /]],
      [
        ['train'],
        [
          /--epochs <value> number of epochs \(default: 3\)/,
          /--out <value> output directory \(default: runs\/latest\)/,
          /--cut-mode <value> .*\(default: fold\)/,
          /--dbb-variant <value> .*\(default: preserving\)/,
          /Global Options: .*--log-interval/,
        ],
      ],
      [['bench'], [/--policies <list> .*\(default: "none,dbb,dyrep"\)/, /--out <value> output directory \(default: runs\/bench\)/]],
      [['eval'], [/--batch-size <n> .*\(default: "256"\)/]],
      [['export'], [/--format <name> .*\(default: "tfjs"\)/]],
      [
        ['detect', 'train'],
        [/--epochs <value> .*\(default: 16\)/, /--out <value> .*\(default: /],
      ],
    ];
    for (const [command, patterns] of helps) {
      const h = await inProcess([...command, '--help']);
      expect(h.code, command.join(' ')).to.equal(0);
      const text = h.stdout.replace(/\s+/g, ' ');
      for (const p of patterns) expect(text, command.join(' ')).to.match(p);
    }
  });

  it('answers bad input with one line on stderr: exit 2 for usage errors, 1 for failures', async () => {
    const usage: [string[], RegExp][] = [
      [['train', '--epochs', '0', '--out', join(dir, 'x')], /^dyrep: option --epochs = 0 is not allowed/],
      [['train', '--model', 'resnet99', '--train-limit', '64', '--out', join(dir, 'y')], /^dyrep: unknown model 'resnet99'; known models: /],
      [['train', '--policy', 'magic', '--train-limit', '64', '--out', join(dir, 'z')], /^dyrep: unknown policy 'magic'; known policies: acb, dbb, dyrep, none, repvgg/],
      [['train', '--cut-mode', 'chop', '--out', join(dir, 'c')], /^dyrep: option --cut-mode = "chop" is not allowed/],
      [['train', '--plugin', './no-such-plugin.mjs', '--out', join(dir, 'p')], /^dyrep: --plugin '\.\/no-such-plugin\.mjs': no such file/],
      [['train', '--plugin', 'no-such-package-xyz', '--out', join(dir, 'q')], /^dyrep: --plugin 'no-such-package-xyz': cannot find the module/],
      [['--log-interval', '-1', 'train'], /^dyrep: option --log-interval = "-1" is not allowed/],
      [['detect', 'eval', '--gt', join(dir, 'nope.json'), '--dt', join(dir, 'nope.json')], /^dyrep: cannot read ground truth/],
    ];
    for (const [args, pattern] of usage) {
      const r = await inProcess(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      expect(r.stderr.trim(), args.join(' ')).to.match(pattern);
    }
    for (const args of [['train', '--bogus'], ['frobnicate'], ['train', '--epochs']]) {
      const r = await inProcess(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(/^error: /);
    }
    // Failures of the work itself, through the real command (bin.ts maps the code to the exit status).
    const failures: [string[], RegExp][] = [
      [['train', '--data-dir', join(dir, 'nowhere'), '--out', join(dir, 'w')], /^dyrep: .*nowhere/],
      [['eval', '--checkpoint', join(dir, 'missing.ckpt')], /^dyrep: cannot read checkpoint .*ENOENT/],
    ];
    for (const [args, pattern] of failures) {
      const r = await dyrep(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(1);
      const lines = r.stderr.trim().split('\n');
      expect(
        lines.filter((l) => l.startsWith('dyrep:')),
        `${args.join(' ')}: ${r.stderr}`,
      ).to.have.length(1);
      expect(
        lines.some((l) => /^\s+at /.test(l)),
        'no stack trace',
      ).to.equal(false);
      expect(lines[lines.length - 1]).to.match(pattern);
    }
  });
});
