import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeCheckpoint, encodeCheckpoint, CheckpointError } from '@dyrep/trainer';
import { readCheckpointFile, writeCheckpointFile } from '@dyrep/trainer/node';
import { useBackend } from '@dyrep/test-utils';

describe('checkpoint files', () => {
  useBackend('wasm');
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-ckpt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips metadata and tensors exactly', async () => {
    const a = tf.tensor2d([
      [1.5, -2],
      [3, 1e-8],
    ]);
    const b = tf.tensor1d([Math.PI]);
    const file = join(dir, 'ck', 'last.ckpt');
    await writeCheckpointFile(
      file,
      { epoch: 3, note: 'x' },
      new Map<string, tf.Tensor>([
        ['a', a],
        ['b', b],
      ]),
    );
    const { meta, tensors } = readCheckpointFile(file);
    expect(meta).to.deep.equal({ epoch: 3, note: 'x' });
    expect(tensors.get('a')!.arraySync()).to.deep.equal(a.arraySync());
    expect(tensors.get('b')!.dataSync()[0]).to.equal(b.dataSync()[0]);
    expect(readdirSync(join(dir, 'ck'))).to.deep.equal(['last.ckpt']);
    tf.dispose([a, b, ...tensors.values()]);
  });

  it('detects missing, foreign, truncated and corrupt files', async () => {
    const t = tf.ones([64]);
    const file = join(dir, 'last.ckpt');
    await writeCheckpointFile(file, { ok: true }, new Map([['t', t]]));
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

  it('leaves the previous checkpoint intact when a write fails midway', async () => {
    const file = join(dir, 'last.ckpt');
    const t = tf.ones([4]);
    await writeCheckpointFile(file, { v: 1 }, new Map([['t', t]]));
    const broken = {
      dataSync: () => {
        throw new Error('simulated crash during save');
      },
      shape: [1],
    } as unknown as tf.Tensor;
    let err: Error | undefined;
    await writeCheckpointFile(file, { v: 2 }, new Map([['t', broken]])).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/simulated crash/);
    const { meta, tensors } = readCheckpointFile(file);
    expect(meta).to.deep.equal({ v: 1 });
    expect(readdirSync(dir)).to.deep.equal(['last.ckpt']);
    tf.dispose([t, ...tensors.values()]);
  });

  // issue #13 case 2: one changed digit of an offset (or a shape) in the header loaded wrong weights
  // silently (offsets were not validated, only the payload was checksummed)
  it('detects any change of the header (offset or shape digit) before making a tensor, naming the file', async () => {
    const a = tf.tensor1d([1, 2, 3, 4]);
    const b = tf.tensor2d([
      [5, 6],
      [7, 8],
    ]);
    const file = join(dir, 'last.ckpt');
    await writeCheckpointFile(
      file,
      { v: 1 },
      new Map<string, tf.Tensor>([
        ['a', a],
        ['b', b],
      ]),
    );
    const good = readFileSync(file);
    const text = good.toString('latin1');
    const n0 = tf.memory().numTensors;
    for (const [from, to] of [
      ['"offset":16', '"offset":12'],
      ['"shape":[2,2]', '"shape":[2,3]'],
      ['"shape":[2,2]', '"shape":[1,4]'],
    ]) {
      const at = text.indexOf(from);
      expect(at, from).to.be.greaterThan(0);
      const bad = Buffer.from(good);
      bad.write(to, at, 'latin1');
      writeFileSync(file, bad);
      expect(() => readCheckpointFile(file), `${from} -> ${to}`).to.throw(CheckpointError, `checkpoint '${file}' is corrupt: header checksum mismatch`);
    }
    expect(tf.memory().numTensors, 'no tensor made from a corrupt file').to.equal(n0);
    tf.dispose([a, b]);
  });

  it('validates offsets and shapes against the payload even when the header checksum is made to match', async () => {
    const a = tf.tensor1d([1, 2, 3, 4]);
    const b = tf.tensor2d([
      [5, 6],
      [7, 8],
    ]);
    const good = Buffer.from(
      encodeCheckpoint(
        { v: 1 },
        new Map<string, tf.Tensor>([
          ['a', a],
          ['b', b],
        ]),
      ),
    );
    const len = good.readUInt32LE(8);
    const header = JSON.parse(good.subarray(16, 16 + len).toString('utf8'));
    const forge = (edit: (h: typeof header) => void): Buffer => {
      const h = structuredClone(header);
      edit(h);
      const hb = Buffer.from(JSON.stringify(h));
      const prefix = Buffer.from(good.subarray(0, 16));
      prefix.writeUInt32LE(hb.length, 8);
      prefix.writeUInt32LE(crc32(hb), 12);
      return Buffer.concat([prefix, hb, good.subarray(16 + len)]);
    };
    const cases: [(h: typeof header) => void, RegExp][] = [
      [(h) => (h.tensors[1].offset = 12), /tensor 'b' starts at byte 12, expected 16/],
      [(h) => (h.tensors[1].shape = [2, 3]), /tensor 'b' of shape \[2, 3\] needs 24 bytes, the index says 16/],
      [(h) => (h.tensors[0].shape = [4.5]), /tensor 'a' has an invalid shape \[4.5\]/],
      [(h) => (h.tensors[1].key = 'a'), /tensor key "a" is missing or repeated/],
      [(h) => h.tensors.pop(), /the tensors cover 16 bytes of a 32-byte payload/],
    ];
    const n0 = tf.memory().numTensors;
    for (const [edit, message] of cases) expect(() => decodeCheckpoint(forge(edit), 'x.ckpt')).to.throw(CheckpointError, message);
    expect(tf.memory().numTensors).to.equal(n0);
    tf.dispose([a, b]);
  });
});
