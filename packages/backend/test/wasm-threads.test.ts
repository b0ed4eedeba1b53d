import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { initBackend } from '@dyrep/backend';
import { relError } from './helpers/compare';
import { testSeed } from './helpers/prng';
import { trainSteps } from './helpers/train-steps';
import type { TrainStepsResult } from './helpers/train-steps';

const CHILD = fileURLToPath(new URL('./helpers/train-steps-child.ts', import.meta.url));
const SEED = testSeed(11);
const STEPS = 3;

/** trainSteps on wasm with `threads` threads, in a child process; rejects if it does not exit by itself within the timeout. */
async function inChild(threads: number): Promise<TrainStepsResult & { threads: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--conditions=@dyrep/source', CHILD, String(threads), String(SEED), String(STEPS)], {
    timeout: 240_000,
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout) as TrainStepsResult & { threads: number };
}

describe(`wasm threads (seed ${SEED})`, () => {
  it('training steps with 2 threads equal the single-threaded build bit for bit and the cpu backend to float tolerance', async () => {
    const [threaded, single] = await Promise.all([inChild(2), inChild(1)]);
    expect(threaded.threads).to.equal(2);
    expect(single.threads).to.equal(1);
    await initBackend('cpu');
    const cpu = trainSteps(SEED, STEPS);
    await initBackend('wasm');
    expect(threaded.losses).to.deep.equal(single.losses);
    expect(relError(threaded.losses, cpu.losses)).to.be.below(1e-4);
    for (const name of Object.keys(cpu.weights)) {
      expect(threaded.weights[name], name).to.deep.equal(single.weights[name]);
      expect(relError(threaded.weights[name], cpu.weights[name]), name).to.be.below(1e-4);
    }
  });

  it('rejects a thread count outside 1..8 with a one-line cause', async () => {
    for (const threads of [0, 9, 1.5, Number.NaN]) {
      const err = await initBackend('wasm', { threads }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message, String(threads)).to.match(/threads must be an integer from 1 to 8/);
    }
  });

  it('keeps the running backend and rejects another explicit count once wasm is initialised', async () => {
    const first = await initBackend('wasm');
    const again = await initBackend('wasm', { threads: first.threads });
    expect(again.threads).to.equal(first.threads);
    const other = first.threads === 1 ? 2 : 1;
    const err = await initBackend('wasm', { threads: other }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/already runs with \d+ threads?; the thread count .* can only be chosen before its first use/);
    expect(tf.getBackend()).to.equal('wasm');
  });
});
