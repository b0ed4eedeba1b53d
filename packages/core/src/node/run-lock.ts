import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { ensureDirectory } from './output-directory';
import { isProcessAlive } from './process-alive';

/** Another live process holds the run directory's lock. */
export class RunLockedError extends Error {
  constructor(
    readonly dir: string,
    owner: LockOwner | undefined,
  ) {
    const who = owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.since})` : '';
    super(`'${dir}' is in use by another run${who}; wait for it to finish, stop it, or choose another output directory`);
    this.name = 'RunLockedError';
  }
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/** A held lock; {@link RunLock.release} frees it (idempotent). */
export interface RunLock {
  release(): Promise<void>;
}

const LOCK = '.lock';
const OWNER = '.lock-owner.json';

async function readOwner(dir: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, OWNER), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function take(dir: string): Promise<() => Promise<void>> {
  return lockfile.lock(dir, {
    lockfilePath: join(dir, LOCK),
    realpath: false,
    retries: 0,
    // Same-host staleness is decided by the owner's pid below; the mtime rule is only for other
    // hosts (network file systems), and is long so that a busy event loop is never mistaken for a dead run.
    stale: 10 * 60_000,
    update: 60_000,
    onCompromised: () => undefined,
  });
}

/**
 * Locks run directory `dir` (created when missing) for this process, with `proper-lockfile`.
 * A second run on the same directory gets a one-line {@link RunLockedError} naming the owner; a
 * lock left by a process that no longer runs on this host (kill -9, power cut) is stale and taken over.
 */
export async function lockRunDirectory(dir: string): Promise<RunLock> {
  const path = await ensureDirectory(dir);
  let release: () => Promise<void>;
  try {
    release = await take(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
    const owner = await readOwner(path);
    if (!owner || owner.host !== hostname() || isProcessAlive(owner.pid)) throw new RunLockedError(dir, owner);
    await rm(join(path, LOCK), { recursive: true, force: true });
    release = await take(path);
  }
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  await writeFile(join(path, OWNER), JSON.stringify(me));
  let held = true;
  return {
    async release() {
      if (!held) return;
      held = false;
      await rm(join(path, OWNER), { force: true });
      await release();
    },
  };
}
