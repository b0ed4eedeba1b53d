import { expect } from 'chai';
import { checkWheelTags, normaliseDistribution, parseWheelFilename, platformGlibc, wheelArch } from '../src/wheel-tags';
import type { HostInfo } from '../src/wheel-tags';

const CPU_WHEEL = 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl';
const LINUX: HostInfo = { platform: 'linux', arch: 'x64', glibc: '2.36' };

function check(name: string, host: HostInfo = LINUX, flavour: 'cpu' | 'gpu' = 'cpu') {
  const tags = parseWheelFilename(name);
  if (!tags) throw new Error(`not a wheel name: ${name}`);
  return checkWheelTags(tags, host, flavour);
}

describe('install: wheel file name tags', () => {
  it('parses a TensorFlow wheel name', () => {
    expect(parseWheelFilename(CPU_WHEEL)).to.deep.equal({
      distribution: 'tensorflow_cpu',
      version: '2.21.0',
      build: undefined,
      python: ['cp311'],
      abi: ['cp311'],
      platform: ['manylinux_2_27_x86_64'],
    });
  });

  it('parses a build tag and compressed tag sets', () => {
    const t = parseWheelFilename('tensorflow-2.21.0-1-cp310.cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl');
    expect(t?.build).to.equal('1');
    expect(t?.python).to.deep.equal(['cp310', 'cp311']);
    expect(t?.platform).to.deep.equal(['manylinux2014_x86_64', 'manylinux_2_17_x86_64']);
  });

  it('rejects names that are not wheels', () => {
    for (const n of ['tensorflow_cpu-2.21.0.tar.gz', 'tensorflow_cpu-2.21.0-cp311.whl', 'a-1-x-cp311-cp311-linux_x86_64.whl', 'x--cp311-cp311-any.whl']) {
      expect(parseWheelFilename(n), n).to.equal(undefined);
    }
  });

  it('normalises distribution names the way pip compares them', () => {
    expect(normaliseDistribution('TensorFlow-CPU')).to.equal('tensorflow_cpu');
    expect(normaliseDistribution('tf.nightly--cpu')).to.equal('tf_nightly_cpu');
  });

  it('maps Node architectures and Linux platform tags', () => {
    expect(wheelArch('x64')).to.equal('x86_64');
    expect(wheelArch('arm64')).to.equal('aarch64');
    expect(platformGlibc('manylinux_2_27_x86_64')).to.deep.equal({ arch: 'x86_64', glibc: [2, 27], musl: false });
    expect(platformGlibc('manylinux2014_aarch64')).to.deep.equal({ arch: 'aarch64', glibc: [2, 17], musl: false });
    expect(platformGlibc('musllinux_1_2_x86_64')).to.deep.equal({ arch: 'x86_64', musl: true });
    expect(platformGlibc('macosx_12_0_arm64')).to.equal(undefined);
  });

  it('accepts the CPU wheel on x86_64 Linux with a new enough glibc, whatever the Python version', () => {
    expect(check(CPU_WHEEL).errors).to.deep.equal([]);
    expect(check('tensorflow_cpu-2.21.0-cp313-cp313-manylinux_2_27_x86_64.whl').errors).to.deep.equal([]);
  });

  it('rejects a wheel for another machine or an older glibc', () => {
    const arm = check(CPU_WHEEL, { platform: 'linux', arch: 'arm64', glibc: '2.36' });
    expect(arm.errors.map((e) => e.code)).to.deep.equal(['wheel-platform']);
    expect(arm.errors[0].message).to.contain('not for this machine (linux aarch64)');
    const mac = check('tensorflow-2.21.0-cp311-cp311-macosx_12_0_arm64.whl', LINUX, 'gpu');
    expect(mac.errors[0]).to.include({ code: 'wheel-platform' });
    const oldGlibc = check(CPU_WHEEL, { platform: 'linux', arch: 'x64', glibc: '2.17' });
    expect(oldGlibc.errors[0].message).to.contain("newer glibc than this machine's 2.17");
    const musl = check(CPU_WHEEL, { platform: 'linux', arch: 'x64' });
    expect(musl.errors[0].message).to.contain('musl');
    const onMac = check(CPU_WHEEL, { platform: 'darwin', arch: 'arm64' });
    expect(onMac.errors[0].message).to.contain('Linux only');
  });

  it('rejects a wheel that is not TensorFlow, pure Python, or not CPython', () => {
    expect(check('numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl').errors[0]).to.include({ code: 'wheel-package' });
    expect(check('numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.whl').errors[0].message).to.contain('is not a TensorFlow wheel');
    expect(
      check('tensorflow_cpu-2.21.0-py3-none-any.whl')
        .errors.map((e) => e.message)
        .join(),
    ).to.contain('pure-Python wheel');
    expect(check('tensorflow_cpu-2.21.0-pp310-pypy310_pp73-manylinux_2_27_x86_64.whl').errors[0].message).to.contain('not CPython');
    expect(check('tensorflow_cpu-1.15.0-cp37-cp37m-manylinux2010_x86_64.whl').errors[0].message).to.contain('too old');
  });

  it('matches the flavour: --gpu needs a CUDA wheel; a CUDA wheel for the CPU build is only a note', () => {
    const gpuWithCpuWheel = check(CPU_WHEEL, LINUX, 'gpu');
    expect(gpuWithCpuWheel.errors[0]).to.include({ code: 'wheel-package' });
    expect(gpuWithCpuWheel.errors[0].message).to.contain('CPU-only');
    const gpu = check('tensorflow-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl', LINUX, 'gpu');
    expect(gpu).to.deep.equal({ errors: [], notes: [] });
    const cpuFromGpuWheel = check('tensorflow-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl', LINUX, 'cpu');
    expect(cpuFromGpuWheel.errors).to.deep.equal([]);
    expect(cpuFromGpuWheel.notes[0]).to.contain('CUDA-enabled');
  });
});
