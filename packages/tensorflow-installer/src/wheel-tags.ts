// Parsing and checking a wheel's file name (PEP 427 / PEP 425 tags). Pure: no file system.

/** The parts of a wheel file name `{dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl`. */
export interface WheelTags {
  /** Distribution name, normalised: lower case, runs of `-`, `_`, `.` as one `_`. */
  distribution: string;
  version: string;
  build?: string;
  /** Python tags, e.g. `['cp311']`; compressed tag sets (`cp310.cp311`) are split. */
  python: string[];
  /** ABI tags, e.g. `['cp311']`, `['abi3']`, `['none']`. */
  abi: string[];
  /** Platform tags, e.g. `['manylinux_2_27_x86_64']`. */
  platform: string[];
}

/** The machine the binding is built for. */
export interface HostInfo {
  platform: string;
  /** Node's `process.arch`: `x64`, `arm64`, ... */
  arch: string;
  /** glibc version of the running process (`2.36`); undefined on musl or non-Linux. */
  glibc?: string;
}

export type Flavour = 'cpu' | 'gpu';

/** Wheels that carry a CPU-only libtensorflow (tfjs-node). */
const CPU_WHEELS: readonly string[] = ['tensorflow_cpu', 'tf_nightly_cpu'];
/** Wheels that carry a CUDA-enabled libtensorflow (tfjs-node-gpu); they also run on a CPU. */
const GPU_WHEELS: readonly string[] = ['tensorflow', 'tensorflow_gpu', 'tf_nightly', 'tf_nightly_gpu'];

/** Normalises a distribution name the way pip compares them (PEP 503, with `_` as separator). */
export function normaliseDistribution(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '_');
}

/** Parses a wheel file name (a base name, not a path); undefined when it is not one. */
export function parseWheelFilename(fileName: string): WheelTags | undefined {
  if (!fileName.endsWith('.whl')) return undefined;
  const parts = fileName.slice(0, -'.whl'.length).split('-');
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  if (parts.some((p) => p === '')) return undefined;
  const [distribution, version] = parts;
  const build = parts.length === 6 ? parts[2] : undefined;
  if (build !== undefined && !/^\d/.test(build)) return undefined;
  const [python, abi, platform] = parts.slice(-3).map((t) => t.split('.'));
  return { distribution: normaliseDistribution(distribution), version, build, python, abi, platform };
}

/** Maps Node's `process.arch` to the machine name wheels use. */
export function wheelArch(nodeArch: string): string | undefined {
  return ({ x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[nodeArch];
}

/** The glibc a Linux platform tag needs, e.g. `manylinux_2_27_x86_64` → [2, 27]; undefined for musl/`linux_*`. */
export function platformGlibc(tag: string): { arch: string; glibc?: [number, number]; musl: boolean } | undefined {
  const legacy: Record<string, [number, number]> = { manylinux1: [2, 5], manylinux2010: [2, 12], manylinux2014: [2, 17] };
  let m = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(tag);
  if (m) return { arch: m[3], glibc: [Number(m[1]), Number(m[2])], musl: false };
  m = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(tag);
  if (m) return { arch: m[2], glibc: legacy[m[1]], musl: false };
  m = /^musllinux_\d+_\d+_(.+)$/.exec(tag);
  if (m) return { arch: m[1], musl: true };
  m = /^linux_(.+)$/.exec(tag);
  if (m) return { arch: m[1], musl: false };
  return undefined;
}

function versionAtLeast(have: string, need: [number, number]): boolean {
  const [a, b] = have.split('.').map(Number);
  return a > need[0] || (a === need[0] && b >= need[1]);
}

/** The outcome of {@link checkWheelTags}: any `errors` stop the install; `notes` are printed. */
export interface WheelCheck {
  errors: { code: 'wheel-package' | 'wheel-platform'; message: string }[];
  notes: string[];
}

/**
 * Checks that a wheel's name says it is a TensorFlow wheel of the right flavour whose native
 * libraries can run on `host`. The Python version is irrelevant (only the C libraries are used),
 * but a pure-Python or non-CPython wheel cannot be a TensorFlow wheel.
 */
export function checkWheelTags(tags: WheelTags, host: HostInfo, flavour: Flavour): WheelCheck {
  const errors: WheelCheck['errors'] = [];
  const notes: string[] = [];
  const pkg = (message: string) => errors.push({ code: 'wheel-package', message });
  const plat = (message: string) => errors.push({ code: 'wheel-platform', message });
  const dist = tags.distribution;
  const cpuOk = CPU_WHEELS.includes(dist);
  const gpuOk = GPU_WHEELS.includes(dist);
  if (!cpuOk && !gpuOk) {
    pkg(
      `'${dist}' is not a TensorFlow wheel: expected ${flavour === 'gpu' ? GPU_WHEELS.join(' or ') : CPU_WHEELS.join(' or ')} ` +
        `(for example \`pip download --no-deps ${flavour === 'gpu' ? 'tensorflow' : 'tensorflow_cpu'}==2.21.0\`)`,
    );
  } else if (flavour === 'gpu' && cpuOk) {
    pkg(`'${dist}' is a CPU-only TensorFlow wheel; --gpu needs a CUDA build: the 'tensorflow' wheel (or drop --gpu)`);
  } else if (flavour === 'cpu' && gpuOk) {
    notes.push(`'${dist}' is the CUDA-enabled TensorFlow wheel; it runs on the CPU too, but 'tensorflow_cpu' is the smaller CPU wheel (pass --gpu to build @tensorflow/tfjs-node-gpu from it)`);
  }
  const major = Number(tags.version.split('.')[0]);
  if (!(major >= 2)) pkg(`TensorFlow ${tags.version} is too old: the tfjs-node binding needs the TensorFlow 2 C API`);

  if (tags.platform.every((p) => p === 'any') || tags.abi.every((a) => a === 'none')) {
    pkg(`${dist} ${tags.version} (${tags.python.join('.')}-${tags.abi.join('.')}-${tags.platform.join('.')}) is a pure-Python wheel: it has no libtensorflow`);
    return { errors, notes };
  }
  if (!tags.python.some((p) => p.startsWith('cp'))) {
    plat(`the wheel is for ${tags.python.join('.')}, not CPython: TensorFlow publishes CPython wheels only`);
  }

  if (host.platform !== 'linux') {
    plat(`building the binding from a wheel is supported on Linux only (this machine: ${host.platform}/${host.arch})`);
    return { errors, notes };
  }
  const arch = wheelArch(host.arch);
  const linux = tags.platform.map((p) => ({ tag: p, parsed: platformGlibc(p) }));
  const forArch = linux.filter((p) => p.parsed && p.parsed.arch === arch);
  if (forArch.length === 0) {
    const what = tags.platform.join(', ');
    plat(`the wheel is for ${what}, not for this machine (linux ${arch ?? host.arch}); download the one for this machine (\`pip download\` on it picks it)`);
    return { errors, notes };
  }
  const usable = forArch.filter(({ parsed }) => {
    if (!parsed) return false;
    if (parsed.musl) return host.glibc === undefined;
    if (host.glibc === undefined) return false;
    return parsed.glibc === undefined || versionAtLeast(host.glibc, parsed.glibc);
  });
  if (usable.length === 0) {
    const need = forArch.map((p) => p.tag).join(', ');
    plat(
      host.glibc === undefined ? `the wheel (${need}) needs glibc, but this machine's Node does not run on glibc (musl?)` : `the wheel (${need}) needs a newer glibc than this machine's ${host.glibc}`,
    );
  }
  return { errors, notes };
}
