import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI's source entry, run through tsx. */
const bin = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'bin.ts');

/** tsx by URL, so that the command also runs from a working directory outside the repository. */
const tsx = import.meta.resolve('tsx');

/**
 * Runs `dyrep ...args` from source in a child process (stdout and stderr are pipes, not
 * terminals), in `cwd` if given; resolves with its exit code and output (never rejects).
 */
export function dyrep(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', tsx, '--conditions=@dyrep/source', bin, ...args], { maxBuffer: 32 << 20, cwd }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The last line of `s`, parsed as JSON (the commands' `--json` report). */
export const lastJson = (s: string) => JSON.parse(s.trim().split('\n').pop()!);
