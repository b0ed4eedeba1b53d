import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CORE = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs test/fixtures/`fixture` (TypeScript) with `args` in a bash child after the shell commands
 * `prelude` (e.g. `ulimit -f 64`); with `privateMount`, inside a private mount namespace so the
 * prelude can mount a small or read-only tmpfs that disappears with the child.
 */
export function runChild(prelude: string, fixture: string, args: string[], privateMount = false): SpawnSyncReturns<string> {
  const script = `set -e\n${prelude}\nexec "${process.execPath}" --import tsx --conditions=@dyrep/source test/fixtures/${fixture} "$@"`;
  const bash = ['bash', '-c', script, 'bash', ...args];
  const [cmd, ...rest] = privateMount ? ['unshare', '--mount', '--propagation', 'private', ...bash] : bash;
  return spawnSync(cmd, rest, { cwd: CORE, encoding: 'utf8', timeout: 60_000 });
}

/** Whether this process may make a private mount namespace (root with `unshare`): the full-disk and read-only tests need it. */
export function canUnshareMounts(): boolean {
  return spawnSync('unshare', ['--mount', '--propagation', 'private', 'mount', '-t', 'tmpfs', 'tmpfs', '/mnt'], { encoding: 'utf8' }).status === 0;
}
