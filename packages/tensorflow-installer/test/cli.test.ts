import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// tsx by URL, so that the command can run with any working directory.
const tsx = import.meta.resolve('tsx');
const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');
const version = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

/** Runs the command from source in a fresh Node process. */
function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, ['--import', tsx, '--conditions=@dyrep/source', cli, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dyrep-tensorflow-installer command', function () {
  this.timeout(60000);
  let project: string;
  before(() => {
    project = mkdtempSync(join(tmpdir(), 'dyrep-installer-cli-'));
    writeFileSync(join(project, 'package.json'), '{"name":"p","private":true}\n');
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it('prints its version and help with defaults, exit 0', () => {
    const v = run(['--version'], project);
    expect(v.code).to.equal(0);
    expect(v.stdout.trim()).to.equal(version);
    const help = run(['install', '--help'], project);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/--wheel <file>/);
    expect(help.stdout).to.match(/--python <exe>[\s\S]*\(default:\s+"python3"\)/);
    expect(help.stdout).to.match(/--prefix <dir>[\s\S]*\(default:\s+the current\s+directory\)/);
    expect(help.stdout).to.match(/--gpu[\s\S]*\(default: false\)/);
    expect(run(['--help'], project).stdout).to.match(/install[\s\S]*verify/);
  });

  it('exits 2 with one line for usage errors', () => {
    const none = run(['install', '--prefix', project], project);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(/^dyrep-tensorflow-installer: error \(usage\): give --wheel <file> or --pip <requirement>\n$/);
    const both = run(['install', '--wheel', 'a.whl', '--pip', 'x'], project);
    expect(both.code).to.equal(2);
    expect(both.stderr).to.match(/^error: option '--(wheel|pip) .*' cannot be used with option '--(wheel|pip) /);
    expect(run(['install', '--bogus'], project).code).to.equal(2);
    expect(run(['frobnicate'], project).code).to.equal(2);
  });

  it('exits 1 with the error code for a failed install', () => {
    const r = run(['install', '--wheel', join(project, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl'), '--prefix', project], project);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/^dyrep-tensorflow-installer: error \(wheel-missing\): /);
  });
});
