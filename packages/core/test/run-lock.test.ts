import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockRunDirectory, RunLockedError } from '@dyrep/core/node';

describe('lockRunDirectory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second holder in one line naming the owner, and frees the directory on release', async () => {
    const run = join(dir, 'run');
    const lock = await lockRunDirectory(run);
    let err: Error | undefined;
    await lockRunDirectory(run).catch((e: Error) => (err = e));
    expect(err).to.be.instanceOf(RunLockedError);
    expect(err!.message).to.match(new RegExp(`^'${run}' is in use by another run \\(pid ${process.pid} on ${hostname()}, since .+\\); wait for it`));
    await lock.release();
    await lock.release();
    expect(readdirSync(run)).to.deep.equal([]);
    const again = await lockRunDirectory(run);
    await again.release();
  });

  it('takes over a stale lock whose owner no longer runs (kill -9)', async () => {
    mkdirSync(join(dir, '.lock'));
    writeFileSync(join(dir, '.lock-owner.json'), JSON.stringify({ pid: 999999, host: hostname(), since: 'then' }));
    const lock = await lockRunDirectory(dir);
    await lock.release();
  });
});
