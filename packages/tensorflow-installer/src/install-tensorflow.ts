// `dyrep-tensorflow-installer install`: tfjs-node(-gpu) with its binding built from a TensorFlow wheel.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { InstallError } from './install-error';
import { compareParity, parseVerifyOutput, VERIFY_SCRIPT } from './parity-check';
import type { ParityRow } from './parity-check';
import { bindingIncludeRoots, bindingModulePath, includeClosure, missingEntries, parseLibtensorflowVersion, planStaging, WHEEL_INCLUDE_DIR, WHEEL_LIBRARIES } from './staging-plan';
import type { StagingPlan } from './staging-plan';
import { missingSymbols, neededSymbols, parseNmDefined, parseNmUndefined, tensorflowSymbols } from './symbols';
import { findNodeDir, findNodeGyp, freeBytes, glibcVersion, nmDynamic, run } from './toolchain';
import { openWheel } from './wheel-archive';
import { checkWheelTags, parseWheelFilename } from './wheel-tags';
import type { Flavour } from './wheel-tags';

export const TFJS_NODE_PACKAGES: Record<Flavour, string> = { cpu: '@tensorflow/tfjs-node', gpu: '@tensorflow/tfjs-node-gpu' };

/** Written to `<package>/deps/` after a successful build; what makes a re-run only re-verify. */
export const STAMP_FILE = 'dyrep-install.json';
/** node-gyp's full output, kept for a failed build. */
export const BUILD_LOG = 'dyrep-build.log';

export interface InstallTensorflowOptions {
  /** A TensorFlow wheel file (`tensorflow_cpu-*.whl`, or `tensorflow-*.whl` with `gpu`). */
  wheel?: string;
  /** A pip requirement (`tensorflow_cpu==2.21.0`) for the user's pip to download into a temp dir. */
  pip?: string;
  /** Build `@tensorflow/tfjs-node-gpu` (from a CUDA-enabled `tensorflow` wheel) instead of tfjs-node. */
  gpu?: boolean;
  /** The project whose node_modules receives the package (default: the current directory). */
  prefix?: string;
  /** Record the package in the project's package.json (as an optional dependency). */
  save?: boolean;
  /** Rebuild even when a verified install from the same wheel is present. */
  force?: boolean;
  /** Directory with Node's headers (`include/node/node_api.h`); found automatically otherwise. */
  nodedir?: string;
  /** node-gyp to run (a `bin/node-gyp.js` or an executable); npm's bundled copy otherwise. */
  nodeGyp?: string;
  /** Python whose pip downloads for `pip` (default `python3`). */
  python?: string;
  /** tfjs-node version; default: the project's `@tensorflow/tfjs` version, else 4.22.0. */
  tfjsVersion?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface VerifyResult {
  package: string;
  packageDir: string;
  tfVersion: string;
  gpu: boolean;
  /** True when the check ran through the project's @dyrep/backend (with its explicit-padding conv gradients). */
  viaDyrepBackend: boolean;
  rows: ParityRow[];
  worst: number;
}

export interface InstallResult extends VerifyResult {
  /** True when an existing verified install was kept (nothing rebuilt). */
  reused: boolean;
  wheel?: string;
  seconds: number;
}

interface Stamp {
  installer: string;
  package: string;
  packageVersion: string;
  wheel: string;
  wheelSize: number;
  requirement?: string;
  tfVersion?: string;
  node: string;
  napi: number;
  date: string;
}

const defaultLog = (line: string) => process.stderr.write(`[dyrep-tensorflow-installer] ${line}\n`);

function requireFrom(prefix: string) {
  return createRequire(join(prefix, 'package.json'));
}

/** The installed package's directory and version, or undefined. */
async function findPackage(prefix: string, name: string): Promise<{ dir: string; version: string } | undefined> {
  try {
    const file = requireFrom(prefix).resolve(`${name}/package.json`);
    const json = JSON.parse(await readFile(file, 'utf8')) as { version: string };
    return { dir: resolve(file, '..'), version: json.version };
  } catch {
    return undefined;
  }
}

async function readStamp(pkgDir: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(join(pkgDir, 'deps', STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

async function bindingBinary(pkgDir: string): Promise<{ file: string; napi: number; modulePath: string; moduleName: string }> {
  const json = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as {
    binary: { module_name: string; module_path: string; napi_versions?: number[] };
  };
  const { napi, modulePath } = bindingModulePath(json.binary, Number(process.versions.napi));
  return { file: join(pkgDir, modulePath, `${json.binary.module_name}.node`), napi, modulePath: join(pkgDir, modulePath), moduleName: json.binary.module_name };
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Loads the installed package in a fresh Node process and compares a few ops and their gradients
 * on `tensorflow` with the cpu backend. Throws {@link InstallError} `verify-failed`.
 */
export async function verifyTensorflow(options: { prefix?: string; gpu?: boolean; log?: (l: string) => void } = {}): Promise<VerifyResult> {
  const prefix = resolve(options.prefix ?? process.cwd());
  const name = TFJS_NODE_PACKAGES[options.gpu ? 'gpu' : 'cpu'];
  const pkg = await findPackage(prefix, name);
  if (!pkg) throw new InstallError('verify-failed', `${name} is not installed in ${prefix}`);
  const r = await run(process.execPath, ['-e', VERIFY_SCRIPT], {
    cwd: prefix,
    env: {
      ...process.env,
      DYREP_VERIFY_PREFIX: prefix,
      DYREP_VERIFY_PACKAGE: name,
      TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2',
      // oneDNN off unless set: the check may run without @dyrep/backend, whose kernel routes the
      // strided 1×1 filter gradient around TF 2.21's oneDNN kernel that corrupts the heap.
      TF_ENABLE_ONEDNN_OPTS: process.env.TF_ENABLE_ONEDNN_OPTS ?? '0',
    },
    timeoutMs: 600000,
  });
  const report = parseVerifyOutput(r.stdout);
  const tail = r.stderr.trim().split('\n').slice(-5).join('\n') || '(no output)';
  if (!report) throw new InstallError('verify-failed', `loading ${name} in a fresh Node process failed (exit ${r.code}):\n${tail}`);
  if (!report.ok) throw new InstallError('verify-failed', `loading ${name} in a fresh Node process failed: ${report.error}`);
  if (report.backend !== 'tensorflow') throw new InstallError('verify-failed', `${name} loaded but the active backend is '${report.backend}', not 'tensorflow'`);
  const { rows, failures, worst } = compareParity(report.results ?? {}, 'tensorflow');
  if (failures.length > 0) {
    throw new InstallError(
      'verify-failed',
      `${name} loads (TensorFlow ${report.tfVersion}) but disagrees with the cpu backend: ${failures.map((f) => `${f.name} rel. error ${f.relError.toExponential(2)}`).join(', ')}`,
    );
  }
  return { package: name, packageDir: pkg.dir, tfVersion: report.tfVersion ?? '?', gpu: report.gpu === true, viaDyrepBackend: report.viaDyrepBackend === true, rows, worst };
}

async function projectTfjsVersion(prefix: string): Promise<string | undefined> {
  return (await findPackage(prefix, '@tensorflow/tfjs'))?.version ?? (await findPackage(prefix, '@tensorflow/tfjs-core'))?.version;
}

function checkWheelName(file: string, flavour: Flavour, log: (l: string) => void): void {
  const tags = parseWheelFilename(basename(file));
  if (!tags) throw new InstallError('wheel-invalid', `${basename(file)} is not a wheel file name ({name}-{version}-{python}-{abi}-{platform}.whl)`);
  const check = checkWheelTags(tags, { platform: process.platform, arch: process.arch, glibc: glibcVersion() }, flavour);
  for (const n of check.notes) log(`note: ${n}`);
  if (check.errors.length > 0) throw new InstallError(check.errors[0].code, `${basename(file)}: ${check.errors.map((e) => e.message).join('; ')}`);
  log(`wheel ${basename(file)}: ${tags.distribution} ${tags.version} for ${tags.platform.join('.')} (Python tag ${tags.python.join('.')} does not matter: only its C libraries are used)`);
}

async function pipDownload(requirement: string, python: string, dir: string, log: (l: string) => void): Promise<string> {
  log(`downloading ${requirement} with ${python} -m pip into ${dir}`);
  let r;
  try {
    r = await run(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--no-cache-dir', '--disable-pip-version-check', '-d', dir, requirement], { echo: true, timeoutMs: 1800000 });
  } catch (err) {
    throw new InstallError('pip-download', `cannot run ${python} -m pip (${(err as Error).message}); pass --python <python with pip> or download the wheel yourself and use --wheel`);
  }
  if (r.code !== 0) throw new InstallError('pip-download', `pip download ${requirement} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const wheels = (await readdir(dir)).filter((f) => f.endsWith('.whl'));
  if (wheels.length !== 1) throw new InstallError('pip-download', `pip download ${requirement} left ${wheels.length} wheels (${wheels.join(', ') || 'none'}) in ${dir}; expected one`);
  return join(dir, wheels[0]);
}

async function npmInstall(prefix: string, spec: string, save: boolean, log: (l: string) => void): Promise<void> {
  const args = ['install', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', ...(save ? ['--save-optional', '--save-exact'] : ['--no-save']), spec];
  log(`npm ${args.join(' ')}`);
  let r;
  try {
    r = await run('npm', args, { cwd: prefix, timeoutMs: 1800000 });
  } catch (err) {
    throw new InstallError('npm-install', `cannot run npm: ${(err as Error).message}`);
  }
  if (r.code !== 0) throw new InstallError('npm-install', `npm install ${spec} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
}

async function readBindingSources(pkgDir: string): Promise<{ names: string[]; texts: string[] }> {
  const dir = join(pkgDir, 'binding');
  const names = (await readdir(dir)).filter((f) => /\.(cc|cpp|c|h|hpp)$/.test(f)).sort();
  const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
  return { names, texts };
}

/** Extracts the plan into `dir` (a fresh directory) and makes its links. */
async function stage(wheel: Awaited<ReturnType<typeof openWheel>>, plan: StagingPlan, dir: string): Promise<void> {
  for (const f of plan.files) await wheel.extract(f.entry, join(dir, f.dest));
  for (const l of plan.links) await symlink(l.target, join(dir, l.path));
}

/**
 * Installs `@tensorflow/tfjs-node` (or `-gpu`) into the project without its download script,
 * stages libtensorflow and the C API headers from a TensorFlow wheel into the package's `deps/`,
 * builds the binding with node-gyp against local Node headers, and verifies it in a fresh process.
 * Re-running on a verified install from the same wheel only re-verifies.
 */
export async function installTensorflow(options: InstallTensorflowOptions): Promise<InstallResult> {
  const t0 = Date.now();
  const log = options.log ?? defaultLog;
  const flavour: Flavour = options.gpu ? 'gpu' : 'cpu';
  const name = TFJS_NODE_PACKAGES[flavour];
  if (!!options.wheel === !!options.pip) throw new InstallError('usage', 'give exactly one of --wheel <file> or --pip <requirement>');
  const prefix = resolve(options.prefix ?? process.cwd());
  if (!existsSync(join(prefix, 'package.json'))) throw new InstallError('usage', `${prefix} has no package.json: pass --prefix <your project directory>`);
  const other = await findPackage(prefix, TFJS_NODE_PACKAGES[flavour === 'gpu' ? 'cpu' : 'gpu']);
  if (other) log(`note: ${TFJS_NODE_PACKAGES[flavour === 'gpu' ? 'cpu' : 'gpu']} is installed too; initBackend('auto') tries ${TFJS_NODE_PACKAGES.gpu} first`);

  let wheelFile: string | undefined;
  let wheelSize = 0;
  if (options.wheel) {
    wheelFile = resolve(options.wheel);
    const s = await stat(wheelFile).catch(() => undefined);
    if (!s || !s.isFile())
      throw new InstallError(
        'wheel-missing',
        `wheel not found: ${wheelFile} (download one with \`pip download --no-deps ${flavour === 'gpu' ? 'tensorflow' : 'tensorflow_cpu'}==2.21.0 -d <dir>\`, or use --pip)`,
      );
    wheelSize = s.size;
    checkWheelName(wheelFile, flavour, log);
  }

  const version = options.tfjsVersion ?? (await projectTfjsVersion(prefix)) ?? '4.22.0';
  const existing = await findPackage(prefix, name);
  if (existing && existing.version === version && !options.force) {
    const stamp = await readStamp(existing.dir);
    const binding = await bindingBinary(existing.dir).catch(() => undefined);
    const same = stamp && (wheelFile ? stamp.wheel === basename(wheelFile) && stamp.wheelSize === wheelSize : stamp.requirement === options.pip);
    if (same && binding && existsSync(binding.file)) {
      log(`${name}@${version} is already built from ${stamp.wheel}; re-verifying`);
      try {
        const v = await verifyTensorflow({ prefix, gpu: options.gpu, log });
        if (options.save) await npmInstall(prefix, `${name}@${version}`, true, log);
        return { ...v, reused: true, wheel: stamp.wheel, seconds: (Date.now() - t0) / 1000 };
      } catch (err) {
        log(`the existing install does not verify (${(err as Error).message.split('\n')[0]}); rebuilding`);
      }
    }
  }

  const tmp = await mkdtemp(join(tmpdir(), 'dyrep-tf-'));
  let stagingDir: string | undefined;
  try {
    if (options.pip) {
      wheelFile = await pipDownload(options.pip, options.python ?? 'python3', tmp, log);
      wheelSize = (await stat(wheelFile)).size;
      checkWheelName(wheelFile, flavour, log);
    }
    const wheelPath = wheelFile!;

    // Fail on the wheel and the toolchain before installing anything.
    const nodeDir = await findNodeDir(options.nodedir);
    const nodeGyp = await findNodeGyp(options.nodeGyp);
    log(`Node headers: ${nodeDir.dir} (${nodeDir.source}); node-gyp: ${[nodeGyp.command, ...nodeGyp.args].join(' ')} (${nodeGyp.source})`);
    const wheel = await openWheel(wheelPath);
    try {
      const required = [WHEEL_LIBRARIES.cc, WHEEL_LIBRARIES.framework, `${WHEEL_INCLUDE_DIR}tensorflow/c/c_api.h`];
      const absent = required.filter((e) => !wheel.entries.has(e));
      if (absent.length > 0) {
        throw new InstallError(
          'wheel-contents',
          `${basename(wheelPath)} lacks ${absent.join(', ')}: not a TensorFlow 2 wheel with the C API (it needs libtensorflow_cc.so.2, libtensorflow_framework.so.2 and tensorflow/include/)`,
        );
      }

      const pkgSpec = `${name}@${version}`;
      let pkg = await findPackage(prefix, name);
      if (!pkg || pkg.version !== version || options.save) {
        await npmInstall(prefix, pkgSpec, options.save === true, log);
        pkg = await findPackage(prefix, name);
        if (!pkg) throw new InstallError('npm-install', `npm install ${pkgSpec} succeeded but ${name} cannot be resolved from ${prefix}`);
      } else {
        log(`${pkgSpec} is already in ${pkg.dir}`);
      }
      const pkgDir = pkg.dir;

      const sources = await readBindingSources(pkgDir);
      const roots = bindingIncludeRoots(sources.texts, sources.names);
      const closure = await includeClosure(roots, (p) => (wheel.entries.has(WHEEL_INCLUDE_DIR + p) ? wheel.readText(WHEEL_INCLUDE_DIR + p) : undefined));
      if (closure.missing.length > 0) {
        throw new InstallError('headers-missing', `${basename(wheelPath)} lacks headers the binding needs: ${closure.missing.map((m) => `${m.header} (included from ${m.includedFrom})`).join(', ')}`);
      }
      const depsConstants = await readFile(join(pkgDir, 'scripts', 'deps-constants.js'), 'utf8').catch(() => undefined);
      const plan = planStaging(closure.headers, parseLibtensorflowVersion(depsConstants));
      const lacking = missingEntries(plan, new Set(wheel.entries.keys()));
      if (lacking.length > 0) throw new InstallError('wheel-contents', `${basename(wheelPath)} lacks ${lacking.join(', ')}`);
      const bytes = plan.files.reduce((s, f) => s + (wheel.entries.get(f.entry) ?? 0), 0);
      const free = await freeBytes(pkgDir);
      if (free < bytes * 1.1) throw new InstallError('disk-space', `staging needs ${(bytes / 2 ** 20).toFixed(0)} MiB under ${pkgDir}, only ${(free / 2 ** 20).toFixed(0)} MiB free`);

      const t1 = Date.now();
      stagingDir = join(pkgDir, `deps.dyrep-staging-${process.pid}`);
      await rm(stagingDir, { recursive: true, force: true });
      log(`staging ${closure.headers.length} headers and 2 libraries (${(bytes / 2 ** 20).toFixed(0)} MiB) into ${join(pkgDir, 'deps')}`);
      await stage(wheel, plan, stagingDir);
      const needed = neededSymbols(sources.texts, [...closure.texts.values()]);
      const libs = [WHEEL_LIBRARIES.cc, WHEEL_LIBRARIES.framework].map((e) => join(stagingDir!, 'lib', basename(e)));
      const available = await Promise.all(libs.map(async (l) => parseNmDefined(await nmDynamic(l, 'defined'))));
      const missing = missingSymbols(needed, available);
      if (missing.length > 0) {
        throw new InstallError('symbols-missing', `the wheel's libraries do not export ${missing.length} of the ${needed.length} C API functions the binding calls: ${missing.join(', ')}`);
      }
      log(`all ${needed.length} TF_*/TFE_* functions the binding calls are exported (staged in ${formatSeconds(Date.now() - t1)})`);
      await rm(join(pkgDir, 'deps'), { recursive: true, force: true });
      await rename(stagingDir, join(pkgDir, 'deps'));
      stagingDir = undefined;

      const binary = await bindingBinary(pkgDir);
      await rm(join(pkgDir, 'build'), { recursive: true, force: true });
      await rm(binary.file, { force: true });
      const logFile = join(pkgDir, 'deps', BUILD_LOG);
      await writeFile(logFile, '');
      const gypArgs = [
        ...nodeGyp.args,
        'rebuild',
        `--directory=${pkgDir}`,
        `--nodedir=${nodeDir.dir}`,
        `--jobs=${Math.max(1, cpus().length)}`,
        `--napi_build_version=${binary.napi}`,
        `--module_name=${binary.moduleName}`,
        `--module_path=${binary.modulePath}`,
      ];
      const t2 = Date.now();
      log(`building the binding: ${[nodeGyp.command, ...gypArgs].join(' ')}`);
      let built;
      try {
        built = await run(nodeGyp.command, gypArgs, { cwd: pkgDir, logFile, timeoutMs: 1800000 });
      } catch (err) {
        throw new InstallError('build-failed', `cannot run node-gyp: ${(err as Error).message}`);
      }
      if (built.code !== 0 || !existsSync(binary.file)) {
        const errs = `${built.stdout}\n${built.stderr}`
          .split('\n')
          .filter((l) => /error|not found|No such file/i.test(l))
          .slice(0, 8);
        throw new InstallError('build-failed', `node-gyp failed (exit ${built.code})${errs.length ? `:\n  ${errs.join('\n  ')}` : ''}\nfull log: ${logFile}`);
      }
      const warnings = `${built.stdout}\n${built.stderr}`.split('\n').filter((l) => /warning:/.test(l)).length;
      log(`built ${binary.file} in ${formatSeconds(Date.now() - t2)} (${warnings} compiler warnings; log: ${logFile})`);
      const unresolved = missingSymbols(tensorflowSymbols(parseNmUndefined(await nmDynamic(binary.file, 'undefined'))), available);
      if (unresolved.length > 0) throw new InstallError('symbols-missing', `the built binding needs ${unresolved.join(', ')}, which the wheel's libraries do not export`);

      const v = await verifyTensorflow({ prefix, gpu: options.gpu, log });
      const stamp: Stamp = {
        installer: '@dyrep/tensorflow-installer',
        package: name,
        packageVersion: version,
        wheel: basename(wheelPath),
        wheelSize,
        requirement: options.pip,
        tfVersion: v.tfVersion,
        node: process.version,
        napi: binary.napi,
        date: new Date().toISOString(),
      };
      await writeFile(join(pkgDir, 'deps', STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
      return { ...v, reused: false, wheel: basename(wheelPath), seconds: (Date.now() - t0) / 1000 };
    } finally {
      wheel.close();
    }
  } finally {
    if (stagingDir) await rm(stagingDir, { recursive: true, force: true });
    await rm(tmp, { recursive: true, force: true });
  }
}
