// The outside tools the install uses (npm, pip, node-gyp, nm) and where to find them.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InstallError } from './install-error';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Also append stdout and stderr to this file. */
  logFile?: string;
  /** Pass output through to this process's stderr as it comes. */
  echo?: boolean;
  timeoutMs?: number;
}

/** Runs a command without a shell; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs) timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      log?.write(d);
      if (options.echo) process.stderr.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      log?.write(d);
      if (options.echo) process.stderr.write(d);
    });
    child.once('error', (err) => {
      if (timer) clearTimeout(timer);
      log?.end();
      reject(err);
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const done = () => resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      if (log) log.end(done);
      else done();
    });
  });
}

/** Node's own headers: `<dir>/include/node/node_api.h` and `common.gypi` (what `node-gyp --nodedir` reads). */
function isNodeDir(dir: string): boolean {
  return existsSync(join(dir, 'include', 'node', 'node_api.h')) && existsSync(join(dir, 'include', 'node', 'common.gypi'));
}

/**
 * Finds a directory with Node's headers so that node-gyp never downloads them: `explicit`, then
 * npm's `nodedir` setting, then the running Node's install prefix.
 */
export async function findNodeDir(explicit?: string): Promise<{ dir: string; source: string }> {
  const tried: string[] = [];
  const candidates: { dir: string | undefined; source: string }[] = [{ dir: explicit, source: '--nodedir' }];
  if (!explicit) {
    candidates.push({ dir: process.env.npm_config_nodedir, source: 'npm_config_nodedir' });
    let npmSetting: string | undefined;
    try {
      const r = await run('npm', ['config', 'get', 'nodedir'], { timeoutMs: 30000 });
      const v = r.stdout.trim();
      if (r.code === 0 && v && v !== 'undefined' && v !== 'null') npmSetting = v;
    } catch {
      // npm missing: reported when it is needed
    }
    candidates.push({ dir: npmSetting, source: '`npm config get nodedir`' });
    candidates.push({ dir: resolve(dirname(process.execPath), '..'), source: "the running node's prefix" });
  }
  for (const c of candidates) {
    if (!c.dir) continue;
    if (isNodeDir(c.dir)) return { dir: resolve(c.dir), source: c.source };
    tried.push(`${c.dir} (${c.source})`);
  }
  throw new InstallError(
    'toolchain',
    `no Node.js headers found (looked for include/node/node_api.h and common.gypi in: ${tried.join(', ') || 'nothing'}). ` +
      `Install them (Debian/Ubuntu: the package with /usr/include/node, e.g. libnode-dev or nodejs-dev; or Node's official tarball, which ships include/node) ` +
      `and pass --nodedir <dir>; node-gyp would otherwise try to download them.`,
  );
}

/** How to run node-gyp: `explicit`, npm's own copy, or `node-gyp` on PATH. */
export async function findNodeGyp(explicit?: string): Promise<{ command: string; args: string[]; source: string }> {
  const asNode = (file: string, source: string) => ({ command: process.execPath, args: [file], source });
  if (explicit) {
    if (!existsSync(explicit)) throw new InstallError('toolchain', `--node-gyp ${explicit} does not exist`);
    return explicit.endsWith('.js') ? asNode(explicit, '--node-gyp') : { command: explicit, args: [], source: '--node-gyp' };
  }
  const tail = join('node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const files: { file: string | undefined; source: string }[] = [
    { file: process.env.npm_config_node_gyp, source: 'npm_config_node_gyp' },
    { file: process.env.npm_execpath ? resolve(dirname(process.env.npm_execpath), '..', tail) : undefined, source: "npm's bundled node-gyp" },
    { file: resolve(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', tail), source: "npm's bundled node-gyp" },
  ];
  try {
    const r = await run('npm', ['root', '-g'], { timeoutMs: 30000 });
    if (r.code === 0) files.push({ file: join(r.stdout.trim(), 'npm', tail), source: "npm's bundled node-gyp" });
  } catch {
    // no npm on PATH
  }
  for (const f of files) if (f.file && existsSync(f.file)) return asNode(f.file, f.source);
  try {
    const r = await run('node-gyp', ['--version'], { timeoutMs: 30000 });
    if (r.code === 0) return { command: 'node-gyp', args: [], source: 'node-gyp on PATH' };
  } catch {
    // not on PATH
  }
  throw new InstallError('toolchain', "node-gyp not found (neither npm's bundled copy nor `node-gyp` on PATH): install it with `npm install -g node-gyp` or pass --node-gyp <path to bin/node-gyp.js>");
}

/** `nm -D` of a shared object (`--defined-only` or `--undefined-only`). */
export async function nmDynamic(file: string, which: 'defined' | 'undefined'): Promise<string> {
  let r: RunResult;
  try {
    r = await run('nm', ['-D', which === 'defined' ? '--defined-only' : '--undefined-only', file], { timeoutMs: 300000 });
  } catch {
    throw new InstallError('toolchain', '`nm` not found: install binutils (Debian/Ubuntu: `apt-get install binutils`; it comes with build-essential, which node-gyp needs anyway)');
  }
  if (r.code !== 0) throw new InstallError('wheel-contents', `nm -D ${file} failed: ${r.stderr.trim().split('\n')[0]}`);
  return r.stdout;
}

/** The glibc version of this Node process (`2.36`), undefined on musl or non-Linux. */
export function glibcVersion(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

/** Free bytes on the file system holding `dir` (Infinity when unknown). */
export async function freeBytes(dir: string): Promise<number> {
  try {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}
