import { mkdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { FileSystemError } from './file-system-error';

/** statfs magic numbers of kernel pseudo file systems, where files are not storage (and Node's recursive mkdir spins on procfs). */
const PSEUDO_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
]);

function codeError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

/**
 * Creates `dir` and its missing parents one level at a time (never Node's recursive mkdir, which
 * spins forever on procfs), refusing a path through a file or onto a kernel pseudo file system.
 * Every failure is a {@link FileSystemError} naming the path. Returns the absolute path.
 */
export async function ensureDirectory(dir: string): Promise<string> {
  const target = resolve(dir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    try {
      const s = await stat(existing);
      if (!s.isDirectory()) throw new FileSystemError('create directory', dir, codeError('ENOTDIR'), existing === target ? '' : ` ('${existing}' is a file)`);
      break;
    } catch (e) {
      if (e instanceof FileSystemError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(existing) === existing) throw new FileSystemError('create directory', dir, e);
      missing.unshift(existing);
      existing = dirname(existing);
    }
  }
  const fsType = PSEUDO_FILE_SYSTEMS.get(Number((await statfs(existing)).type));
  if (fsType) throw new FileSystemError('use', dir, new Error(`it is on the ${fsType} pseudo file system, not on storage`));
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new FileSystemError('create directory', d, e);
    }
  }
  return target;
}

/**
 * Makes sure `dir` can hold output before any work starts: creates it ({@link ensureDirectory})
 * and writes and removes a probe file, so a read-only mount or a missing permission is a one-line
 * {@link FileSystemError} up front instead of a failure after training. Returns the absolute path.
 */
export async function prepareOutputDirectory(dir: string): Promise<string> {
  const target = await ensureDirectory(dir);
  const probe = join(target, `.dyrep-write-probe-${process.pid}`);
  try {
    await writeFile(probe, 'probe');
  } catch (e) {
    throw new FileSystemError('write in', dir, e);
  } finally {
    await rm(probe, { force: true });
  }
  return target;
}
