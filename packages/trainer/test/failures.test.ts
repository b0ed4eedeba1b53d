import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MemoryRunStorage, type Plugin, type Task } from '@dyrep/core';
import { MetricsLog, NonFiniteLossError, NonFiniteWeightsError, Trainer, classificationTask, type ClassificationBatch } from '@dyrep/trainer';
import { readCheckpointFile } from '@dyrep/trainer/node';
import { useBackend } from '@dyrep/test-utils';
import { tinySetup } from './helpers';
import { directoryStorage } from '@dyrep/core/node';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

/** A plugin that writes NaN into the first value of `path` (a parameter or buffer) at the end of epoch `epoch`. */
function poison(path: string, epoch: number): Plugin {
  return {
    id: 'poison',
    hooks: {
      onEpochEnd(ctx, e) {
        if (e !== epoch) return;
        const t = ctx.model.stateDict()[path] as tf.Variable;
        const values = t.dataSync().slice();
        values[0] = NaN;
        t.assign(tf.tensor(values, t.shape));
      },
    },
  };
}

describe('trainer failures (issue #13)', () => {
  useBackend('wasm');
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-fail-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // case 3: only the loss was checked, so NaN weights (finite loss) were checkpointed as good
  for (const path of ['features.0.weight', 'features.1.running_var']) {
    it(`refuses to checkpoint NaN in ${path} while the loss stays finite, and names the last finite checkpoint`, async () => {
      const { model, trainLoader, inputShape } = tinySetup(3);
      const trainer = new Trainer({ model, task: classificationTask(), train: trainLoader, epochs: 3, inputShape, storage: directoryStorage(dir), plugins: [poison(path, 1)] });
      const err = await trainer.fit().catch((e: Error) => e);
      expect(err).to.be.instanceOf(NonFiniteWeightsError);
      const file = join(dir, 'checkpoint', 'last.ckpt');
      expect((err as Error).message).to.equal(
        `training stopped: the model diverged in epoch 2 (1 non-finite values in 1 tensor (first: ${path})); the last finite checkpoint is '${file}' (after epoch 1) (lower the learning rate or the weight decay?)`,
      );
      const { meta, tensors } = readCheckpointFile(file);
      expect((meta as { epoch: number }).epoch).to.equal(1);
      for (const [k, t] of tensors) expect(Array.from(t.dataSync()).every(Number.isFinite), k).to.equal(true);
      tf.dispose([...tensors.values()]);
      trainer.dispose();
      model.dispose();
    });
  }

  it('says that no checkpoint exists when the run diverges in its first epoch (loss or weights)', async () => {
    const a = tinySetup(2);
    const base = classificationTask();
    const poisoned: Task<ClassificationBatch> = { ...base, loss: (m, b) => tf.tidy(() => tf.mul(base.loss(m, b), NaN)) as tf.Scalar };
    const t1 = new Trainer({ model: a.model, task: poisoned, train: a.trainLoader, epochs: 2, inputShape: a.inputShape, storage: directoryStorage(dir) });
    const e1 = await t1.fit().catch((e: Error) => e);
    expect(e1).to.be.instanceOf(NonFiniteLossError);
    expect((e1 as Error).message).to.equal('training stopped: the loss is NaN at epoch 1, step 0; no checkpoint exists (the run diverged before its first epoch ended) (lower the learning rate?)');
    t1.dispose();
    a.model.dispose();
    const b = tinySetup(2);
    const t2 = new Trainer({
      model: b.model,
      task: classificationTask(),
      train: b.trainLoader,
      epochs: 2,
      inputShape: b.inputShape,
      storage: new MemoryRunStorage(),
      plugins: [poison('features.1.bias', 0)],
    });
    const e2 = await t2.fit().catch((e: Error) => e);
    expect((e2 as Error).message).to.match(/diverged in epoch 1 .*; no checkpoint exists/);
    t2.dispose();
    b.model.dispose();
  });

  it('checks the optimizer state too', async () => {
    const { model, trainLoader, inputShape } = tinySetup(5);
    const nanMomentum: Plugin = {
      id: 'nan-momentum',
      hooks: {
        onEpochEnd(_ctx, e) {
          if (e !== 1) return;
          const state = new Map([...trainer.optimizer.getState()].map(([k, v]) => [k, k === 'features.0.weight' ? tf.fill(v.shape, Infinity) : tf.clone(v)]));
          trainer.optimizer.loadState(state);
          tf.dispose([...state.values()]);
        },
      },
    };
    const trainer = new Trainer({ model, task: classificationTask(), train: trainLoader, epochs: 2, inputShape, storage: new MemoryRunStorage(), plugins: [nanMomentum] });
    const err = await trainer.fit().catch((e: Error) => e);
    expect((err as Error).message, (err as Error).message).to.match(
      /non-finite values in 1 tensor \(first: momentum of features\.0\.weight\)\); the last finite checkpoint is 'memory:checkpoint\/last\.ckpt' \(after epoch 1\)/,
    );
    trainer.dispose();
    model.dispose();
  });

  // case 7: a torn last line of metrics.jsonl made every later resume fail with a JSON error naming no file
  it('drops a torn last metrics line with a warning naming the file, and rejects a corrupt middle line', async () => {
    const storage = new MemoryRunStorage();
    const warnings: string[] = [];
    const log = new MetricsLog(storage, 'metrics.jsonl', (m) => warnings.push(m));
    await storage.write('metrics.jsonl', new TextEncoder().encode('{"epoch":0}\n{"epoch":1}\n{"epo'));
    expect((await log.read()).map((r) => r.epoch)).to.deep.equal([0, 1]);
    expect(warnings).to.deep.equal(["'memory:metrics.jsonl' line 3 is torn (a run was stopped while writing it); it is dropped"]);
    await log.truncateTo(1);
    expect(new TextDecoder().decode(await storage.read('metrics.jsonl'))).to.equal('{"epoch":0}\n');
    await storage.write('metrics.jsonl', new TextEncoder().encode('{"epoch":0}\n{"epo\n{"epoch":2}\n'));
    let err: Error | undefined;
    await log.read().catch((e: Error) => (err = e));
    expect(err?.message).to.equal("'memory:metrics.jsonl' line 2 is not a JSON record; repair or remove that line");
  });

  // case 7: truncateTo rewrote metrics.jsonl in place, so a failure (or kill) during that rewrite wiped the history
  it('truncating metrics.jsonl on resume under a file-size limit (ulimit -f) keeps the whole history', () => {
    const file = join(dir, 'metrics.jsonl');
    const lines = Array.from({ length: 2000 }, (_, epoch) => `${JSON.stringify({ epoch, lr: 0.1, trainLoss: 1 / (epoch + 1), note: 'x'.repeat(20) })}\n`);
    writeFileSync(file, lines.join(''));
    const good = readFileSync(file);
    expect(good.length).to.be.above(150_000);
    const script = `ulimit -f 64\nexec "${process.execPath}" --import tsx --conditions=@dyrep/source test/fixtures/truncate-metrics.ts "$@"`;
    const r = spawnSync('bash', ['-c', script, 'bash', dir, '1500'], { cwd: join(here, '..'), encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stderr.trim()).to.match(new RegExp(`^cannot write '${file}': EFBIG .*the previous file is unchanged$`));
    expect(readFileSync(file).equals(good), 'history intact').to.equal(true);
    expect(readdirSync(dir)).to.deep.equal(['metrics.jsonl']);
  });

  // case 9 (signals): the trainer finishes the step, writes a checkpoint inside the epoch, and a resume continues bit for bit
  it('stops after a step on request, and resuming mid-epoch equals the uninterrupted run exactly', async function () {
    this.timeout(240000);
    const fixture = join(here, 'fixtures', 'run-tiny.ts');
    const node = (args: string[]) => run(process.execPath, ['--import', 'tsx', '--conditions=@dyrep/source', fixture, ...args], { maxBuffer: 64 * 1024 * 1024 });
    const full = JSON.parse((await node([join(dir, 'full'), '3'])).stdout);
    const part = join(dir, 'part');
    const stopped = await node([part, '3', '--stop-at-step', '4']).then(
      () => expect.fail('the stopped run should exit 130'),
      (e: { code?: number; stderr: string }) => e,
    );
    expect(stopped.code).to.equal(130);
    expect(stopped.stderr).to.contain(`training stopped by SIGINT at epoch 2, step 5; checkpoint written to '${join(part, 'checkpoint', 'last.ckpt')}'`);
    const { meta, tensors } = readCheckpointFile(join(part, 'checkpoint', 'last.ckpt'));
    expect(meta).to.deep.include({ epoch: 1, step: 5 });
    expect((meta as { partial: { batches: number } }).partial.batches).to.equal(2);
    tf.dispose([...tensors.values()]);
    const resumed = JSON.parse((await node([part, '3', '--resume'])).stdout);
    expect(resumed.history.map((h: { epoch: number }) => h.epoch)).to.deep.equal([1, 2]);
    for (let i = 0; i < 2; i++) {
      expect(resumed.history[i].trainLoss, `epoch ${i + 2} loss`).to.equal(full.history[i + 1].trainLoss);
      expect(resumed.history[i].val_top1).to.equal(full.history[i + 1].val_top1);
    }
    for (const k of Object.keys(full.weights)) expect(resumed.weights[k], k).to.deep.equal(full.weights[k]);
    for (const k of Object.keys(full.optimizer)) expect(resumed.optimizer[k], k).to.deep.equal(full.optimizer[k]);
    expect(readFileSync(join(part, 'metrics.jsonl'), 'utf8').trim().split('\n')).to.have.length(3);
  });
});
