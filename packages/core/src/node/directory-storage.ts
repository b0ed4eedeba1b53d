import { open, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { RunStorage } from '../run-storage';
import { FileSystemError } from './file-system-error';
import { ensureDirectory } from './output-directory';
import { isTempFileName, removeStaleTempFiles } from './temp-files';
import { writeFileAtomic } from './write-file-atomic';

/**
 * A {@link RunStorage} over a directory: `write` is {@link writeFileAtomic}, `append` writes and
 * fsyncs, and the first write removes temporary files that killed processes left behind. Every
 * failure is a one-line {@link FileSystemError} naming the file.
 */
export class DirectoryRunStorage implements RunStorage {
  /** Absolute path of the directory. */
  readonly dir: string;
  private cleaned = new Set<string>();

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  locate(name: string): string {
    const path = resolve(this.dir, name);
    if (path !== this.dir && !path.startsWith(this.dir + sep)) throw new Error(`storage name '${name}' leaves the run directory '${this.dir}'`);
    return path;
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    const path = this.locate(name);
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new FileSystemError('read', path, e);
    }
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    const path = this.locate(name);
    await this.clean(dirname(path));
    await writeFileAtomic(path, bytes);
  }

  async append(name: string, text: string): Promise<void> {
    const path = this.locate(name);
    await ensureDirectory(dirname(path));
    try {
      const handle = await open(path, 'a');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (e) {
      throw new FileSystemError('append to', path, e);
    }
  }

  async remove(name: string): Promise<void> {
    const path = this.locate(name);
    try {
      await rm(path, { force: true });
    } catch (e) {
      throw new FileSystemError('remove', path, e);
    }
  }

  async list(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.dir, { recursive: true, withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new FileSystemError('list', this.dir, e);
    }
    return entries
      .filter((e) => e.isFile() && !isTempFileName(e.name))
      .map((e) =>
        relative(this.dir, join(e.parentPath ?? e.path, e.name))
          .split(sep)
          .join('/'),
      )
      .sort();
  }

  private async clean(dir: string): Promise<void> {
    if (this.cleaned.has(dir)) return;
    this.cleaned.add(dir);
    await removeStaleTempFiles(dir);
  }
}

/** A {@link DirectoryRunStorage} over `dir` (created on the first write). */
export function directoryStorage(dir: string): DirectoryRunStorage {
  return new DirectoryRunStorage(dir);
}
