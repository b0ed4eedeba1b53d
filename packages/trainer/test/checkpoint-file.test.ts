import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpointFile, writeCheckpointFile, CheckpointError } from '@dyrep/trainer';
import { useBackend } from '@dyrep/test-utils';

describe('checkpoint files', () => {
  useBackend('wasm');
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-ckpt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips metadata and tensors exactly', () => {
    const a = tf.tensor2d([[1.5, -2], [3, 1e-8]]);
    const b = tf.tensor1d([Math.PI]);
    const file = join(dir, 'ck', 'last.ckpt');
    writeCheckpointFile(file, { epoch: 3, note: 'x' }, new Map<string, tf.Tensor>([['a', a], ['b', b]]));
    const { meta, tensors } = readCheckpointFile(file);
    expect(meta).to.deep.equal({ epoch: 3, note: 'x' });
    expect(tensors.get('a')!.arraySync()).to.deep.equal(a.arraySync());
    expect(tensors.get('b')!.dataSync()[0]).to.equal(b.dataSync()[0]);
    expect(readdirSync(join(dir, 'ck'))).to.deep.equal(['last.ckpt']);
    tf.dispose([a, b, ...tensors.values()]);
  });

  it('detects missing, foreign, truncated and corrupt files', () => {
    const t = tf.ones([64]);
    const file = join(dir, 'last.ckpt');
    writeCheckpointFile(file, { ok: true }, new Map([['t', t]]));
    const good = readFileSync(file);
    expect(() => readCheckpointFile(join(dir, 'nope.ckpt'))).to.throw(CheckpointError, /cannot read checkpoint .*ENOENT/);
    writeFileSync(file, 'hello world, not a checkpoint');
    expect(() => readCheckpointFile(file)).to.throw(CheckpointError, /bad magic/);
    writeFileSync(file, good.subarray(0, good.length - 10));
    expect(() => readCheckpointFile(file)).to.throw(CheckpointError, /truncated/);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 5] ^= 0xff;
    writeFileSync(file, flipped);
    expect(() => readCheckpointFile(file)).to.throw(CheckpointError, /checksum/);
    t.dispose();
  });

  it('leaves the previous checkpoint intact when a write fails midway', () => {
    const file = join(dir, 'last.ckpt');
    const t = tf.ones([4]);
    writeCheckpointFile(file, { v: 1 }, new Map([['t', t]]));
    const broken = { dataSync: () => { throw new Error('simulated crash during save'); }, shape: [1] } as unknown as tf.Tensor;
    expect(() => writeCheckpointFile(file, { v: 2 }, new Map([['t', broken]]))).to.throw(/simulated crash/);
    const { meta, tensors } = readCheckpointFile(file);
    expect(meta).to.deep.equal({ v: 1 });
    expect(readdirSync(dir)).to.deep.equal(['last.ckpt']);
    tf.dispose([t, ...tensors.values()]);
  });
});
