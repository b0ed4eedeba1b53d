import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryRunStorage, type RunStorage } from '@dyrep/core';
import { directoryStorage } from '@dyrep/core/node';

function contract(name: string, make: () => RunStorage, cleanup: () => void = () => undefined): void {
  describe(`RunStorage contract: ${name}`, () => {
    let s: RunStorage;
    beforeEach(() => {
      s = make();
    });
    afterEach(cleanup);

    it('reads undefined for absent names and back what was written, as a copy', async () => {
      expect(await s.read('checkpoint/last.ckpt')).to.equal(undefined);
      const bytes = new Uint8Array([1, 2, 3]);
      await s.write('checkpoint/last.ckpt', bytes);
      bytes[0] = 9;
      const back = (await s.read('checkpoint/last.ckpt'))!;
      expect([...back]).to.deep.equal([1, 2, 3]);
      back[1] = 9;
      expect([...(await s.read('checkpoint/last.ckpt'))!]).to.deep.equal([1, 2, 3]);
      await s.write('checkpoint/last.ckpt', new Uint8Array([4]));
      expect([...(await s.read('checkpoint/last.ckpt'))!]).to.deep.equal([4]);
    });

    it('appends UTF-8 text, lists sorted names and removes', async () => {
      await s.append('metrics.jsonl', '{"a":1}\n');
      await s.append('metrics.jsonl', '{"é":2}\n');
      expect(new TextDecoder().decode(await s.read('metrics.jsonl'))).to.equal('{"a":1}\n{"é":2}\n');
      await s.write('b/c.bin', new Uint8Array([1]));
      expect(await s.list()).to.deep.equal(['b/c.bin', 'metrics.jsonl']);
      await s.remove('metrics.jsonl');
      await s.remove('never-written');
      expect(await s.list()).to.deep.equal(['b/c.bin']);
      expect(s.locate('b/c.bin')).to.be.a('string').and.contain('b/c.bin');
    });
  });
}

contract('MemoryRunStorage', () => new MemoryRunStorage());
let dir = '';
contract(
  'directoryStorage',
  () => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-storage-'));
    return directoryStorage(dir);
  },
  () => rmSync(dir, { recursive: true, force: true }),
);

describe('directoryStorage', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dyrep-storage-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('locates names as file paths and refuses names that leave the directory', () => {
    const s = directoryStorage(root);
    expect(s.locate('checkpoint/last.ckpt')).to.equal(join(root, 'checkpoint', 'last.ckpt'));
    expect(() => s.locate('../x')).to.throw(/leaves the run directory/);
  });

  it('the first write removes temporary files left by dead processes and lists never show temporary files', async () => {
    mkdirSync(join(root, 'checkpoint'));
    writeFileSync(join(root, 'checkpoint', '.last.ckpt.tmp-999999-0a0b0c0d'), 'torn');
    const s = directoryStorage(root);
    expect(await s.list()).to.deep.equal([]);
    await s.write('checkpoint/last.ckpt', new Uint8Array([1]));
    expect(await s.list()).to.deep.equal(['checkpoint/last.ckpt']);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(root, 'checkpoint'))).to.deep.equal(['last.ckpt']);
  });
});
