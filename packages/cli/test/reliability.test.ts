import { expect } from 'chai';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cosineSchedule } from '@dyrep/trainer';
import { readCheckpointFile } from '@dyrep/trainer/node';
import { useBackend } from '@dyrep/test-utils';
import { main } from '../src/program';
import * as tf from '@tensorflow/tfjs-core';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '..', 'src', 'bin.ts');
const node = [process.execPath, '--import', 'tsx', '--conditions=@dyrep/source', bin];
/** The smallest real run of any policy: 128 Fashion-MNIST images, 2 batches per epoch, no export. */
const BASE = ['--model', 'resnet18', '--width', '0.0625', '--train-limit', '128', '--test-limit', '64', '--batch-size', '64', '--lr', '0.05', '--export', '', '--backend', 'wasm'];
/** The same with the default policy (dyrep) kept cheap: one grown block, one BN recalibration batch. */
const SMALL = [...BASE, '--top-k', '1', '--recal-bn-batches', '1'];
/** The run flags of `dyrep bench` (its runs export nothing: it has no --export). */
const BENCH = BASE.filter((_, i) => BASE[i] !== '--export' && BASE[i - 1] !== '--export');

type Result = { code: number | null; signal?: string | null; stdout: string; stderr: string };

/** Runs `dyrep args` (after the shell commands `prelude`); a run still going after `timeout` ms is killed (a hang fails its test). */
function dyrep(args: string[], prelude = '', timeout = 540_000): Promise<Result> {
  return new Promise((done) => {
    const [cmd, ...rest] = prelude ? ['bash', '-c', `${prelude}\nexec "$@"`, 'bash', ...node, ...args] : [...node, ...args];
    execFile(cmd, rest, { maxBuffer: 32 << 20, timeout }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Runs `dyrep args` in this process (for refusals that happen before any training: no process
 * start-up to pay), capturing what it writes to stdout and stderr.
 */
async function dyrepHere(args: string[]): Promise<Result> {
  const captured = { stdout: '', stderr: '' };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: string) => {
      captured[stream] += chunk;
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    const code = await main(args);
    return { code, ...captured };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
}

const dyrepLine = (r: Result) =>
  r.stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('dyrep:'));

/** Starts `dyrep` (or `command`) in the background; `ready` resolves once `marker` appears in its output. */
function startUntil(args: string[], marker: RegExp, command?: string) {
  const child = command ? spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(node[0], [...node.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  const exited = new Promise<Result>((done) => child.on('close', (code, signal) => done({ code, signal, stdout, stderr })));
  const ready = new Promise<void>((done, fail) => {
    const seen = () => marker.test(stdout + stderr) && done();
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      seen();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      seen();
    });
    void exited.then((r) => fail(new Error(`exited before ${marker}: ${r.code} ${r.stdout} ${r.stderr}`)));
  });
  return { child, ready, exited, output: () => stdout + stderr };
}

function tempFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.includes('.tmp-'));
}

describe('dyrep under faults (issue #13)', function () {
  this.timeout(600000);
  useBackend('wasm');
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-faults-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // case 1: a short write (ulimit -f) replaced a good checkpoint by a torn one, and the run exited 0
  it('1: a checkpoint write over the file-size limit keeps the previous checkpoint and fails in one line', async () => {
    const out = join(dir, 'short');
    const first = await dyrep(['train', ...SMALL, '--epochs', '1', '--out', out]);
    expect(first.code, first.stderr).to.equal(0);
    const ckpt = join(out, 'checkpoint', 'last.ckpt');
    const good = readFileSync(ckpt);
    const r = await dyrep(['train', '--out', out, '--resume', '--epochs', '2'], 'ulimit -f 64');
    expect(r.code, r.stderr).to.equal(1);
    expect(dyrepLine(r)).to.deep.equal([`dyrep: cannot write '${ckpt}': EFBIG (file too large (the file-size limit, ulimit -f?)); the previous file is unchanged`]);
    expect(readFileSync(ckpt).equals(good), 'previous checkpoint intact').to.equal(true);
    expect(tempFiles(out)).to.deep.equal([]);
  });

  // case 2: one changed offset digit in the header loaded wrong weights silently
  it('2: a changed header digit is reported as corruption of the named file', async () => {
    const ckpt = join(dir, 'short', 'checkpoint', 'last.ckpt');
    const bytes = readFileSync(ckpt);
    const text = bytes.toString('latin1');
    const at = text.indexOf('"offset":') + '"offset":'.length + 1;
    const bad = Buffer.from(bytes);
    bad[at] = bad[at] === 0x31 ? 0x32 : 0x31;
    const file = join(dir, 'bad-header.ckpt');
    writeFileSync(file, bad);
    const r = await dyrepHere(['eval', '--checkpoint', file, '--test-limit', '64', '--backend', 'wasm']);
    expect(r.code).to.equal(1);
    expect(dyrepLine(r)).to.deep.equal([`dyrep: checkpoint '${file}' is corrupt: header checksum mismatch`]);
  });

  // case 3: --lr 10 --weight-decay 10 exited 0 with NaN weights (the loss stays finite on wasm).
  // This small net needs a larger decay to overflow within its 2 first-epoch steps; the loss stays finite.
  it('3: a run whose weights turn NaN under a finite loss stops, keeps no NaN checkpoint and says none exists', async () => {
    const out = join(dir, 'nan');
    const r = await dyrep(['train', ...SMALL, '--epochs', '2', '--lr', '10', '--weight-decay', '1e6', '--out', out]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/epoch 1\/2: loss \d/);
    expect(dyrepLine(r)).to.have.length(1);
    expect(dyrepLine(r)[0]).to.match(
      /^dyrep: training stopped: the model diverged in epoch 1 \([\d,]+ non-finite values in \d+ tensors? \(first: [\w.]+\)\); no checkpoint exists \(the run diverged before its first epoch ended\)/,
    );
    expect(existsSync(join(out, 'checkpoint', 'last.ckpt'))).to.equal(false);
  });

  // case 4: --resume ignored the run's config; another --policy was accepted; more epochs were undefined
  it('4: --resume restores the saved configuration, refuses experiment changes, and continues the cosine over the new length', async () => {
    const out = join(dir, 'short');
    const refused = await dyrepHere(['train', '--out', out, '--resume', '--policy', 'dbb', '--seed', '3']);
    expect(refused.code).to.equal(2); // a usage error
    expect(dyrepLine(refused)).to.deep.equal([
      `dyrep: --resume continues the experiment saved in '${join(out, 'checkpoint', 'last.ckpt')}': --policy "dbb" (the run has "dyrep"), --seed 3 (the run has 0) would change it; only --epochs, --backend, --export may differ (start a new run with another --out)`,
    ]);
    // case 7 on the way: a torn last metrics line and a stale temporary file from a killed run
    const tornLine = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').length + 1;
    appendFileSync(join(out, 'metrics.jsonl'), '{"epoch":1,"lr":0.0');
    writeFileSync(join(out, 'checkpoint', '.last.ckpt.tmp-999999-0badf00d'), 'torn');
    const r = await dyrep(['train', '--out', out, '--resume', '--epochs', '2']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/data: .*128 train/);
    expect(r.stderr).to.contain(`'${join(out, 'metrics.jsonl')}' line ${tornLine} is torn (a run was stopped while writing it); it is dropped`);
    expect(tempFiles(out)).to.deep.equal([]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.epochs).to.equal(2);
    expect(summary.policy).to.equal('dyrep');
    expect(summary.history.map((h: { epoch: number }) => h.epoch)).to.deep.equal([0, 1]);
    const steps = 2;
    const lr = cosineSchedule(0.05, 2 * steps, 1e-6);
    expect(summary.history[1].lr, 'the new epoch follows the 2-epoch cosine').to.equal(lr(2 * steps - 1));
    expect(summary.history[0].lr, 'the epoch done keeps its 1-epoch LR').to.equal(cosineSchedule(0.05, steps, 1e-6)(steps - 1));
    const fewer = await dyrepHere(['train', '--out', out, '--resume', '--epochs', '1']);
    expect(dyrepLine(fewer)).to.deep.equal([`dyrep: --resume: --epochs 1 is fewer than the 2 epochs the run in '${out}' has done`]);
  });

  // case 5: two runs in one --out interleaved their metrics
  it('5: a second run on the same --out is refused while the first runs, which finishes cleanly', async () => {
    const out = join(dir, 'locked');
    const first = startUntil(['train', ...SMALL, '--epochs', '2', '--out', out], /data: /);
    await first.ready;
    const second = await dyrepHere(['train', ...SMALL, '--epochs', '2', '--seed', '1', '--out', out, '--force']);
    expect(second.code).to.equal(1);
    expect(dyrepLine(second)[0]).to.match(new RegExp(`^dyrep: '${out}' is in use by another run \\(pid ${first.child.pid} on .+\\); wait for it to finish`));
    const done = await first.exited;
    expect(done.code, done.stderr).to.equal(0);
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).epoch);
    expect(rows).to.deep.equal([0, 1]);
  });

  it('5: dyrep detect train locks its --out the same way', async () => {
    const out = join(dir, 'detect-locked');
    const detect = ['detect', 'train', '--generate', '48,16', '--canvas', '64', '--width', '0.0625', '--neck-channels', '8', '--epochs', '1', '--batch-size', '16', '--backend', 'wasm'];
    const first = startUntil([...detect, '--out', out], /data: /);
    await first.ready;
    const second = await dyrepHere([...detect, '--seed', '1', '--out', out, '--force']);
    expect(second.code).to.equal(1);
    expect(dyrepLine(second)[0]).to.match(new RegExp(`^dyrep: '${out}' is in use by another run \\(pid ${first.child.pid} on .+\\); wait for it to finish`));
    const done = await first.exited;
    expect(done.code, done.stderr).to.equal(0);
    expect(existsSync(join(out, 'summary.json'))).to.equal(true);
  });

  // case 8: --out on procfs hung; on a file it gave raw EEXIST; export --force deleted any directory
  it('8: output paths are checked up front, and export --force replaces only a previous export', async () => {
    // it used to spin forever: killed after 3 minutes (a start takes seconds), it would print nothing
    const proc = await dyrep(['train', ...SMALL, '--out', '/proc/dyrep-x'], '', 180_000);
    expect(dyrepLine(proc)).to.deep.equal(["dyrep: cannot use '/proc/dyrep-x': it is on the proc pseudo file system, not on storage"]);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const onFile = await dyrepHere(['train', ...SMALL, '--out', join(file, 'run')]);
    expect(dyrepLine(onFile)[0]).to.match(/^dyrep: cannot create directory '.*a-file\/run': ENOTDIR \(a part of the path is a file, not a directory\)/);
    const photos = join(dir, 'photos');
    mkdirSync(join(photos, 'album'), { recursive: true });
    writeFileSync(join(photos, 'album', 'a.jpg'), 'x');
    for (const format of ['tfjs', 'onnx']) {
      const r = await dyrepHere(['export', '--checkpoint', join(dir, 'short'), '--format', format, '--out', photos, '--force', '--backend', 'wasm']);
      expect(r.code).to.equal(1);
      expect(dyrepLine(r)[0]).to.match(/is not a previous export of ours \(it (has no \.dyrep-export marker file|is not a file)\), so it is left alone/);
    }
    const safetensors = await dyrepHere(['export', '--checkpoint', join(dir, 'short'), '--format', 'safetensors', '--out', photos, '--force', '--backend', 'wasm']);
    expect(safetensors.code).to.equal(1);
    expect(dyrepLine(safetensors)).to.deep.equal([`dyrep: '${photos}' is not a previous export of ours (it is not a file), so it is left alone; remove it yourself or choose another path`]);
    expect(readFileSync(join(photos, 'album', 'a.jpg'), 'utf8')).to.equal('x');
    const notes = join(dir, 'notes.safetensors');
    writeFileSync(notes, 'my notes');
    const overNotes = await dyrepHere(['export', '--checkpoint', join(dir, 'short'), '--format', 'safetensors', '--out', notes, '--force', '--backend', 'wasm']);
    expect(overNotes.code).to.equal(1);
    expect(dyrepLine(overNotes)[0]).to.contain('is not a previous export of ours (it is not a safetensors file)');
    expect(readFileSync(notes, 'utf8')).to.equal('my notes');
    const ours = join(dir, 'model.safetensors');
    for (const force of [[], ['--force']]) {
      const r = await dyrepHere(['export', '--checkpoint', join(dir, 'short'), '--format', 'safetensors', '--out', ours, ...force, '--backend', 'wasm']);
      expect(r.code, r.stderr).to.equal(0);
    }
  });

  // case 9: --metric with a policy that has no metric was accepted; Ctrl-C left no resume hint; bench left its child running
  it('9: idle policy options and unknown bench policies are refused before any training', async () => {
    const idle = await dyrepHere(['train', ...BASE, '--metric', 'synflo', '--policy', 'dbb', '--out', join(dir, 'idle')]);
    expect(dyrepLine(idle)).to.deep.equal(['dyrep: option --metric "synflo" (read only by dyrep) would do nothing with --policy dbb; remove it or choose a policy that uses it']);
    const bench = await dyrepHere(['bench', ...BENCH, '--policies', 'none,magic', '--out', join(dir, 'bench')]);
    expect(bench.code).to.equal(2); // a usage error
    expect(dyrepLine(bench)[0]).to.match(/^dyrep: unknown policy 'magic'/);
    expect(existsSync(join(dir, 'bench', 'none')), 'nothing trained').to.equal(false);
    for (const flag of ['--resume', '--policy=dbb', '--export=onnx']) {
      const idleBench = await dyrepHere(['bench', ...BENCH, '--policies', 'none', flag, '--out', join(dir, 'bench')]);
      expect(idleBench.code, flag).to.equal(2);
      expect(idleBench.stderr, flag).to.contain(`error: unknown option '${flag}'`);
    }
  });

  it('9: SIGINT on a terminal finishes the step, writes the checkpoint, shows the cursor again, prints the resume command, exits 130; the run resumes', async () => {
    const out = join(dir, 'signal-SIGINT');
    // stderr on a pseudo-terminal (script(1)), so the progress bar hides the cursor as for a user
    const inner = ['bash', '-c', 'echo "pid $$"; exec "$@"', 'bash', ...node, 'train', ...SMALL, '--train-limit', '512', '--epochs', '2', '--out', out];
    const quoted = inner.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const run = startUntil(['-qfec', quoted, '/dev/null'], / [1-7]\/8 \| loss/, 'script');
    await run.ready;
    const pid = Number(/pid (\d+)/.exec(run.output())![1]);
    process.kill(pid, 'SIGINT');
    const r = await run.exited;
    const text = r.stdout + r.stderr;
    expect(r.code, text).to.equal(130);
    expect(text).to.contain('SIGINT: finishing the current step, then writing the checkpoint');
    expect(text).to.contain(`resume with: dyrep train --out ${out} --resume`);
    expect(text.lastIndexOf('\x1b[?25l'), 'the bar hid the cursor').to.be.greaterThan(-1);
    expect(text.lastIndexOf('\x1b[?25h'), 'cursor shown after it was last hidden').to.be.greaterThan(text.lastIndexOf('\x1b[?25l'));
    const { meta, tensors } = readCheckpointFile(join(out, 'checkpoint', 'last.ckpt'));
    tf.dispose([...tensors.values()]);
    expect((meta as { step: number }).step).to.be.within(1, 15);
    const resumed = await dyrep(['train', '--out', out, '--resume']);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).history.map((h: { epoch: number }) => h.epoch)).to.deep.equal([0, 1]);
  });

  it('9: SIGTERM right after start (data loaded, model being built) still ends with a checkpoint after a finished step and exits 143', async () => {
    const out = join(dir, 'signal-SIGTERM');
    const run = startUntil(['train', ...SMALL, '--train-limit', '512', '--epochs', '2', '--out', out], /data: /);
    await run.ready;
    run.child.kill('SIGTERM');
    const r = await run.exited;
    expect(r.code, r.stderr).to.equal(143);
    const line = dyrepLine(r);
    expect(line).to.have.length(1);
    const step = Number(/^dyrep: interrupted by SIGTERM at epoch 1, step (\d+); /.exec(line[0])?.[1]);
    expect(line[0]).to.equal(`dyrep: interrupted by SIGTERM at epoch 1, step ${step}; checkpoint '${join(out, 'checkpoint', 'last.ckpt')}'; resume with: dyrep train --out ${out} --resume`);
    const { meta, tensors } = readCheckpointFile(join(out, 'checkpoint', 'last.ckpt'));
    tf.dispose([...tensors.values()]);
    expect((meta as { step: number }).step)
      .to.equal(step)
      .and.to.be.within(1, 7);
  });

  it('9: bench forwards SIGTERM to its child, which stops too', async () => {
    const out = join(dir, 'bench-signal');
    const run = startUntil(['bench', ...BENCH, '--train-limit', '1024', '--epochs', '3', '--policies', 'none', '--out', out], /data: /);
    await run.ready;
    run.child.kill('SIGTERM');
    const r = await run.exited;
    expect(r.code, r.stderr).to.equal(143);
    await new Promise((res) => setTimeout(res, 500));
    const alive = spawnSync('pgrep', ['-f', join(out, 'none')], { encoding: 'utf8' }).stdout.trim();
    expect(alive, 'child still running').to.equal('');
  });
});
