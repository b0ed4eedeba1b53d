import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstallError } from '../src/install-error';
import { installTensorflow } from '../src/install-tensorflow';

async function failure(p: Promise<unknown>): Promise<InstallError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(InstallError);
    return err as InstallError;
  }
  throw new Error('expected an InstallError');
}

describe('install: clear errors before anything is installed (no wheel needed)', function () {
  this.timeout(60000);
  let project: string;
  const quiet = () => undefined;

  before(async () => {
    project = await mkdtemp(join(tmpdir(), 'dyrep-install-test-'));
    await writeFile(join(project, 'package.json'), '{"name":"p","private":true}\n');
  });
  after(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('needs exactly one wheel source and a project', async () => {
    expect((await failure(installTensorflow({ prefix: project, log: quiet }))).code).to.equal('usage');
    expect((await failure(installTensorflow({ prefix: project, wheel: 'a.whl', pip: 'x', log: quiet }))).code).to.equal('usage');
    const e = await failure(installTensorflow({ prefix: join(project, 'nope'), wheel: 'a.whl', log: quiet }));
    expect(e.code).to.equal('usage');
    expect(e.message).to.contain('no package.json');
  });

  it('reports a missing wheel with the command that downloads one', async () => {
    const e = await failure(installTensorflow({ prefix: project, wheel: join(project, 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl'), log: quiet }));
    expect(e.code).to.equal('wheel-missing');
    expect(e.message).to.contain('pip download --no-deps tensorflow_cpu==2.21.0');
  });

  it('rejects a wheel for another platform or the wrong package from its name', async () => {
    const mac = join(project, 'tensorflow_cpu-2.21.0-cp311-cp311-macosx_12_0_arm64.whl');
    const numpy = join(project, 'numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl');
    await writeFile(mac, 'x');
    await writeFile(numpy, 'x');
    expect((await failure(installTensorflow({ prefix: project, wheel: mac, log: quiet }))).code).to.equal('wheel-platform');
    expect((await failure(installTensorflow({ prefix: project, wheel: numpy, log: quiet }))).code).to.equal('wheel-package');
  });

  it('rejects a file that is not a zip, and a zip without libtensorflow, before installing anything', async function () {
    if (process.platform !== 'linux' || process.arch !== 'x64') this.skip();
    const name = 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_17_x86_64.whl';
    await writeFile(join(project, name), 'not a zip');
    const e = await failure(installTensorflow({ prefix: project, wheel: join(project, name), log: quiet }));
    // Without Node headers or node-gyp on this machine the toolchain error comes first; both are clear.
    expect(['wheel-invalid', 'toolchain']).to.include(e.code);
    // The smallest valid zip: an end-of-central-directory record with no entries.
    await writeFile(join(project, name), Buffer.concat([Buffer.from('PK\x05\x06'), Buffer.alloc(18)]));
    const empty = await failure(installTensorflow({ prefix: project, wheel: join(project, name), log: quiet }));
    expect(['wheel-contents', 'toolchain']).to.include(empty.code);
    if (empty.code === 'wheel-contents') expect(empty.message).to.contain('libtensorflow_cc.so.2');
    // Nothing was installed into the project.
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(project)).filter((f) => f === 'node_modules')).to.deep.equal([]);
  });
});
