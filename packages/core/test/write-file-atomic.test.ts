import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDirectory, prepareOutputDirectory, removeStaleTempFiles, writeFileAtomic } from '@dyrep/core/node';
import { canUnshareMounts, runChild } from './fault-helpers';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes bytes and strings, creating missing directories, and leaves no temporary file', async () => {
    const file = join(dir, 'a', 'b', 'x.bin');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(file)]).to.deep.equal([1, 2, 3]);
    await writeFileAtomic(file, 'hello');
    expect(readFileSync(file, 'utf8')).to.equal('hello');
    expect(readdirSync(join(dir, 'a', 'b'))).to.deep.equal(['x.bin']);
  });

  it('keeps the previous file whole under a file-size limit (ulimit -f) and says EFBIG with the file name', () => {
    const file = join(dir, 'last.ckpt');
    writeFileSync(file, Buffer.alloc(20_000, 7));
    const r = runChild('ulimit -f 64', 'atomic-write-child.ts', [file, String(200_000), '9']);
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.contain(`cannot write '${file}': EFBIG`).and.contain('ulimit -f').and.contain('previous file is unchanged');
    expect(readFileSync(file).equals(Buffer.alloc(20_000, 7))).to.equal(true);
    expect(readdirSync(dir)).to.deep.equal(['last.ckpt']);
  });

  it('a write that fits the limit succeeds in the same child set-up', () => {
    const file = join(dir, 'small.bin');
    const r = runChild('ulimit -f 64', 'atomic-write-child.ts', [file, String(10_000), '3']);
    expect(r.status, r.stderr).to.equal(0);
    expect(readFileSync(file).equals(Buffer.alloc(10_000, 3))).to.equal(true);
  });

  it('keeps the previous file on a full disk (ENOSPC) and on a read-only mount (EROFS)', function () {
    if (!canUnshareMounts()) this.skip(); // needs root and unshare to mount a private tmpfs
    const mnt = join(dir, 'mnt');
    const file = join(mnt, 'last.ckpt');
    const mount = `mkdir -p '${mnt}'; mount -t tmpfs -o size=256k tmpfs '${mnt}'; head -c 100000 /dev/zero > '${file}'`;
    const full = runChild(mount, 'atomic-write-child.ts', [file, '400000', '5'], true);
    expect(full.status, full.stderr).to.equal(1);
    expect(full.stderr.trim()).to.equal(`cannot write '${file}': ENOSPC (no space left on device); the previous file is unchanged`);
    const readOnly = runChild(`${mount}; mount -o remount,ro '${mnt}'`, 'atomic-write-child.ts', [file, '10', '5'], true);
    expect(readOnly.status, readOnly.stderr).to.equal(1);
    expect(readOnly.stderr.trim()).to.equal(`cannot write '${file}': EROFS (read-only file system); the previous file is unchanged`);
  });

  it('removes temporary files of dead processes only', async () => {
    const dead = join(dir, '.last.ckpt.tmp-999999-00ff00ff');
    const mine = join(dir, `.last.ckpt.tmp-${process.pid}-00ff00ff`);
    writeFileSync(dead, 'x');
    writeFileSync(mine, 'x');
    writeFileSync(join(dir, 'keep.txt'), 'x');
    expect(await removeStaleTempFiles(dir)).to.deep.equal(['.last.ckpt.tmp-999999-00ff00ff']);
    expect(existsSync(mine)).to.equal(true);
    expect(existsSync(join(dir, 'keep.txt'))).to.equal(true);
  });
});

describe('ensureDirectory / prepareOutputDirectory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-outdir-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses procfs at once instead of spinning (Node's recursive mkdir hangs there)", async () => {
    const t0 = Date.now();
    let err: Error | undefined;
    await ensureDirectory('/proc/x/y').catch((e: Error) => (err = e));
    expect(err?.message).to.equal("cannot use '/proc/x/y': it is on the proc pseudo file system, not on storage");
    expect(Date.now() - t0).to.be.below(2000);
  });

  it('names the file that blocks a directory path', async () => {
    writeFileSync(join(dir, 'f'), 'x');
    let err: Error | undefined;
    await ensureDirectory(join(dir, 'f', 'run')).catch((e: Error) => (err = e));
    expect(err?.message).to.equal(`cannot create directory '${join(dir, 'f', 'run')}': ENOTDIR (a part of the path is a file, not a directory) ('${join(dir, 'f')}' is a file)`);
    await ensureDirectory(join(dir, 'f')).catch((e: Error) => (err = e));
    expect(err?.message).to.equal(`cannot create directory '${join(dir, 'f')}': ENOTDIR (a part of the path is a file, not a directory)`);
  });

  it('creates nested directories and probes that they are writable', async () => {
    const out = join(dir, 'a', 'b', 'c');
    expect(await prepareOutputDirectory(out)).to.equal(out);
    expect(readdirSync(out)).to.deep.equal([]);
  });
});
