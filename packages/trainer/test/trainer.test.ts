import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MemoryRunStorage, type Plugin, type RunStorage, type Task } from '@dyrep/core';
import { describeStructure, isRepBlock } from '@dyrep/rep-blocks';
import { CHECKPOINT_NAME, METRICS_NAME, Trainer, classificationTask, CheckpointError, NonFiniteLossError, disposeCheckpoint, parseCheckpoint, type ClassificationBatch } from '@dyrep/trainer';
import { loadModelCheckpoint, readCheckpointFile, writeCheckpointFile } from '@dyrep/trainer/node';
import { useBackend, maxAbsDiff } from '@dyrep/test-utils';
import { hookRecorder, tinyConvNet } from '@dyrep/testing';
import { tinySetup } from './helpers';
import { scriptedPolicy } from './toy-policy';
import { directoryStorage } from '@dyrep/core/node';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

/** Runs a fixture script in a fresh Node process with the monorepo's TypeScript setup. */
async function runFixture(script: string, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--conditions=@dyrep/source', join(here, 'fixtures', script), ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

describe('Trainer', () => {
  useBackend('wasm');
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-trainer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('emits hooks in the documented order', async () => {
    const { model, trainLoader, testLoader, inputShape } = tinySetup();
    const recorder = hookRecorder({ id: 'recorder', priority: 100 });
    const calls = recorder.events;
    const trainer = new Trainer({
      model,
      task: classificationTask(),
      train: trainLoader,
      validation: testLoader,
      epochs: 2,
      inputShape,
      storage: directoryStorage(dir),
      plugins: [recorder, scriptedPolicy()],
    });
    await trainer.fit();
    const batch = ['onBatchBegin', 'onAfterBackward', 'onBeforeOptimizerStep', 'onBatchEnd'];
    const epoch = (mutate: boolean) => [
      'onEpochBegin',
      ...batch,
      ...batch,
      'onEpochEnd',
      'onValidationBegin',
      'onValidationEnd',
      ...(mutate ? ['onBeforeMutate', 'onAfterMutate'] : []),
      'onSaveCheckpoint',
    ];
    expect(calls).to.deep.equal(['setup', 'onTrainBegin', ...epoch(true), ...epoch(true), 'onTrainEnd', 'teardown']);
    expect(trainer.describeHooks()).to.match(/^onEpochEnd\s+scripted\(50\) → recorder\(100\)$/m);
    trainer.dispose();
    model.dispose();
  });

  it('keeps its run in any RunStorage: in memory it writes the checkpoint a directory run writes, byte for byte, and resumes from it', async () => {
    const runIn = async (storage: RunStorage) => {
      const s = tinySetup(4);
      const t = new Trainer({ model: s.model, task: classificationTask(), train: s.trainLoader, epochs: 2, inputShape: s.inputShape, storage, plugins: [scriptedPolicy()] });
      await t.fit();
      t.dispose();
      s.model.dispose();
      return (await storage.read(CHECKPOINT_NAME))!;
    };
    const memory = new MemoryRunStorage();
    const inMemory = await runIn(memory);
    const onDisk = await runIn(directoryStorage(dir));
    expect(await memory.list()).to.deep.equal([CHECKPOINT_NAME, METRICS_NAME].sort());
    expect(inMemory.byteLength).to.be.greaterThan(1000);
    expect(Buffer.compare(Buffer.from(inMemory), Buffer.from(onDisk)), 'checkpoint bytes').to.equal(0);
    const fresh = tinySetup(9);
    const resumed = new Trainer({ model: fresh.model, task: classificationTask(), train: fresh.trainLoader, epochs: 2, inputShape: fresh.inputShape, plugins: [scriptedPolicy()] });
    const info = await resumed.resume(memory);
    expect(info.epoch).to.equal(2);
    const ckpt = parseCheckpoint(inMemory, 'memory');
    for (const [k, v] of Object.entries(fresh.model.stateDict())) expect(maxAbsDiff(v, ckpt.model[k]), k).to.equal(0);
    disposeCheckpoint(ckpt);
    resumed.dispose();
    fresh.model.dispose();
  });

  it('applies grow and cut function-preservingly, and keeps tensor counts steady across epochs', async () => {
    const { model, trainLoader, testLoader, inputShape } = tinySetup(3, 3);
    const probe = tf.randomUniform([4, 12, 12, 1], 0, 1, 'float32', 5);
    let before: tf.Tensor | null = null;
    const ratios: number[] = [];
    const baselines: number[] = [];
    const observer: Plugin = {
      id: 'observer',
      hooks: {
        onBeforeMutate: (ctx) => {
          ctx.model.eval();
          before = tf.tidy(() => ctx.model.forward(probe));
        },
        onAfterMutate: (ctx) => {
          ctx.model.eval();
          const after = tf.tidy(() => ctx.model.forward(probe));
          const scale = tf.tidy(() => tf.max(tf.abs(before!)).dataSync()[0]);
          ratios.push(maxAbsDiff(after, before!) / scale);
          tf.dispose([after, before!]);
        },
        onSaveCheckpoint: (ctx) => {
          const held = ctx.model.namedParameters().length + ctx.model.namedBuffers().length + trainer.optimizer.statePaths().length;
          baselines.push(tf.memory().numTensors - held);
        },
      },
    };
    const trainer = new Trainer({
      model,
      task: classificationTask(),
      train: trainLoader,
      validation: testLoader,
      epochs: 3,
      inputShape,
      storage: directoryStorage(dir),
      plugins: [scriptedPolicy(2), observer],
    });
    const { history, events } = await trainer.fit();
    expect(events.map((e) => `${e.epoch}:${e.type}:${e.path}:${e.branches.join('+')}`)).to.deep.equal(['0:grow:features.0:kxk+1x1+1x1_kxk+1x1_avg+1xk+kx1', '1:cut:features.0:1x1+1x1_avg']);
    expect(ratios).to.have.length(2);
    for (const r of ratios) expect(r).to.be.below(1e-4);
    expect(isRepBlock(model.getModule('features.0'))).to.equal(true);
    expect(new Set(baselines).size, `non-model tensors per epoch: ${baselines}`).to.equal(1);
    expect(history[0].params).to.be.greaterThan(history[2].params - 1);
    expect(history.map((h) => h.events.length)).to.deep.equal([1, 1, 0]);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).to.deep.equal([0, 1, 2]);
    expect(lines[0]).to.include.keys('val_top1', 'trainLoss', 'lr', 'seconds', 'params', 'flops', 'events');
    probe.dispose();
    trainer.dispose();
    model.dispose();
  });

  for (const cutAll of [false, true]) {
    it(`resumes in a new process exactly where an uninterrupted run would be${cutAll ? ' (block cut back to a plain conv)' : ''}`, async function () {
      this.timeout(240000);
      const extra = cutAll ? ['--cut-all'] : [];
      const full = JSON.parse(await runFixture('run-tiny.ts', [join(dir, 'full'), '3', ...extra]));
      await runFixture('run-tiny.ts', [join(dir, 'part'), '3', '--crash-at-epoch', '2', ...extra]).then(
        () => expect.fail('the crashing run should exit with code 3'),
        (e: { code?: number }) => expect(e.code).to.equal(3),
      );
      const resumed = JSON.parse(await runFixture('run-tiny.ts', [join(dir, 'part'), '3', '--resume', ...extra]));
      expect(resumed.history).to.have.length(1);
      const [a, b] = [full.history[2], resumed.history[0]];
      expect(b.trainLoss).to.equal(a.trainLoss);
      expect(b.val_top1).to.equal(a.val_top1);
      expect(Object.keys(resumed.optimizer).sort()).to.deep.equal(Object.keys(full.optimizer).sort());
      for (const k of Object.keys(full.optimizer)) expect(resumed.optimizer[k], k).to.deep.equal(full.optimizer[k]);
      expect(Object.keys(resumed.weights)).to.deep.equal(Object.keys(full.weights));
      const metrics = readFileSync(join(dir, 'part', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n');
      expect(metrics).to.have.length(3);
      expect(Object.keys(full.weights).includes('features.0.bias')).to.equal(cutAll);
    });
  }

  it('refuses a checkpoint from a different structure, and a corrupt one, with clear errors', async () => {
    const a = tinySetup(1);
    const trainer = new Trainer({ model: a.model, task: classificationTask(), train: a.trainLoader, epochs: 2, inputShape: a.inputShape, storage: directoryStorage(dir), plugins: [scriptedPolicy()] });
    await trainer.fit();
    const file = trainer.checkpointFile!;
    trainer.dispose();
    a.model.dispose();
    const { meta, tensors } = readCheckpointFile(file);
    expect((meta as { structure: unknown }).structure).to.deep.equal(describeStructure(a.model));
    tf.dispose([...tensors.values()]);

    const wider = tinyConvNet(1, 4, 10);
    const b = tinySetup(1);
    const other = new Trainer({ model: wider, task: classificationTask(), train: b.trainLoader, epochs: 2, inputShape: b.inputShape });
    const err = await other.resume(directoryStorage(dir)).catch((e) => e);
    expect(err).to.be.instanceOf(CheckpointError);
    expect((err as Error).message)
      .to.match(/does not match the model/)
      .and.match(/has shape \[\d+(,\d+)*\] but the model expects/);
    other.dispose();
    wider.dispose();
    b.model.dispose();

    const old = readCheckpointFile(file);
    const oldRunDir = join(dir, 'old-rng');
    const oldRng = join(oldRunDir, CHECKPOINT_NAME);
    await writeCheckpointFile(oldRng, { ...(old.meta as object), rng: { s: 12345, spare: null } }, old.tensors);
    tf.dispose([...old.tensors.values()]);
    const d = tinySetup(1);
    const fourth = new Trainer({ model: d.model, task: classificationTask(), train: d.trainLoader, epochs: 2, inputShape: d.inputShape });
    const err3 = await fourth.resume(directoryStorage(oldRunDir)).catch((e) => e);
    expect(err3).to.be.instanceOf(CheckpointError);
    expect((err3 as Error).message).to.equal(
      `cannot resume '${oldRng}': it holds the random-generator state of an earlier dyrep-ts (before the one xoshiro128** Rng); export it, or start the run again`,
    );
    fourth.dispose();
    d.model.dispose();

    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
    const c = tinySetup(1);
    const third = new Trainer({ model: c.model, task: classificationTask(), train: c.trainLoader, epochs: 2, inputShape: c.inputShape });
    const err2 = await third.resume(directoryStorage(dir)).catch((e) => e);
    expect(err2).to.be.instanceOf(CheckpointError);
    expect((err2 as Error).message).to.match(/truncated/);
    third.dispose();
    c.model.dispose();
  });

  it('restores a model whose BN was dropped by a static conversion', async () => {
    const { model, trainLoader, inputShape } = tinySetup(4);
    const staticDbb: Plugin = {
      id: 'static',
      hooks: {
        onTrainBegin: (ctx) => ctx.proposeMutation({ source: 'static', ops: [{ type: 'grow', path: 'features.0', branches: ['kxk', '1x1', '1x1_kxk', '1x1_avg'], gate: 1, dropFollowingBn: true }] }),
      },
    };
    const trainer = new Trainer({ model, task: classificationTask(), train: trainLoader, epochs: 1, inputShape, storage: directoryStorage(dir), plugins: [staticDbb] });
    await trainer.fit();
    expect(model.getModule('features.1').constructor.name).to.equal('Identity');
    const fresh = tinySetup(9).model;
    loadModelCheckpoint(fresh, trainer.checkpointFile!);
    const x = tf.randomNormal([2, 12, 12, 1]);
    model.eval();
    fresh.eval();
    const [a, b] = tf.tidy(() => [model.forward(x), fresh.forward(x)]);
    expect(maxAbsDiff(a, b)).to.equal(0);
    tf.dispose([a, b, x]);
    trainer.dispose();
    model.dispose();
    fresh.dispose();
  });

  it('stops on a NaN loss with a clear error and keeps the last good checkpoint', async () => {
    const { model, trainLoader, inputShape } = tinySetup(2);
    const base = classificationTask();
    let calls = 0;
    const poisoned: Task<ClassificationBatch> = { ...base, loss: (m, b) => tf.tidy(() => tf.mul(base.loss(m, b), ++calls > 3 ? NaN : 1)) as tf.Scalar };
    const trainer = new Trainer({ model, task: poisoned, train: trainLoader, epochs: 3, inputShape, storage: directoryStorage(dir) });
    const err = await trainer.fit().catch((e) => e);
    expect(err).to.be.instanceOf(NonFiniteLossError);
    expect((err as Error).message).to.match(/loss is NaN at epoch 2, step 3/);
    const { meta, tensors } = readCheckpointFile(trainer.checkpointFile!);
    expect((meta as { epoch: number }).epoch).to.equal(1);
    tf.dispose([...tensors.values()]);
    trainer.dispose();
    model.dispose();
  });

  it('leaves a loadable previous checkpoint when killed while saving', async function () {
    this.timeout(60000);
    const file = join(dir, 'last.ckpt');
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@dyrep/source', join(here, 'fixtures', 'save-forever.ts'), file]);
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 400));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(existsSync(file)).to.equal(true);
    const { meta, tensors } = readCheckpointFile(file);
    expect(meta).to.have.property('version');
    tf.dispose([...tensors.values()]);
  });
});
