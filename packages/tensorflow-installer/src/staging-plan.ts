// What to copy from a TensorFlow wheel into tfjs-node's `deps/`, and which links to make.
// Pure: works on entry names and header text handed in by the caller.

/** Where a TensorFlow wheel keeps its C/C++ headers. */
export const WHEEL_INCLUDE_DIR = 'tensorflow/include/';

/**
 * The Linux libraries of a TensorFlow 2 wheel: `libtensorflow_cc` carries the eager C API
 * (`TFE_*`, `TF_Version`, sessions), `libtensorflow_framework` the rest (`TF_NewStatus`, ...).
 */
export const WHEEL_LIBRARIES = {
  cc: 'tensorflow/libtensorflow_cc.so.2',
  framework: 'tensorflow/libtensorflow_framework.so.2',
} as const;

/** A file to extract: wheel entry → path relative to `deps/`. */
interface StagedFile {
  entry: string;
  dest: string;
}

/** A symbolic link to create, relative to `deps/`; `target` is relative to the link's directory. */
interface StagedLink {
  path: string;
  target: string;
}

export interface StagingPlan {
  files: StagedFile[];
  links: StagedLink[];
}

/** `#include "x"` targets of a C/C++ source, in order (angle-bracket includes are system headers). */
export function parseQuotedIncludes(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"/gm)) out.push(m[1]);
  return out;
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i + 1);
}

function normalise(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/**
 * The headers the binding's TensorFlow includes pull in, transitively. `read(path)` returns a
 * header's text (path relative to the wheel's include dir) or undefined when the wheel has no such
 * file (it may be async). A quoted include is looked up next to the including header first, then from the root.
 */
export async function includeClosure(
  roots: readonly string[],
  read: (path: string) => string | undefined | Promise<string | undefined>,
): Promise<{ headers: string[]; texts: Map<string, string>; missing: { header: string; includedFrom: string }[] }> {
  const found = new Map<string, string>();
  const missing: { header: string; includedFrom: string }[] = [];
  const queue: { header: string; from: string; base: string }[] = roots.map((r) => ({ header: r, from: '(binding)', base: '' }));
  while (queue.length > 0) {
    const { header, from, base } = queue.shift()!;
    const candidates = [...new Set([normalise(base + header), normalise(header)])];
    const hit = candidates.find((c) => found.has(c));
    if (hit) continue;
    let resolved: string | undefined;
    let text: string | undefined;
    for (const c of candidates) {
      text = await read(c);
      if (text !== undefined) {
        resolved = c;
        break;
      }
    }
    if (resolved === undefined || text === undefined) {
      if (!missing.some((m) => m.header === header)) missing.push({ header, includedFrom: from });
      continue;
    }
    found.set(resolved, text);
    for (const inc of parseQuotedIncludes(text)) queue.push({ header: inc, from: resolved, base: dirOf(resolved) });
  }
  return { headers: [...found.keys()].sort(), texts: found, missing };
}

/**
 * The TensorFlow headers the binding includes directly: its quoted includes that are not its own
 * files (`bindingFiles` are the base names of the binding's sources and headers).
 */
export function bindingIncludeRoots(sources: readonly string[], bindingFiles: readonly string[]): string[] {
  const own = new Set(bindingFiles);
  const roots = new Set<string>();
  for (const s of sources) for (const inc of parseQuotedIncludes(s)) if (!own.has(inc)) roots.add(inc);
  return [...roots].sort();
}

/** Wheel entries the plan needs that the wheel lacks (empty when it has them all). */
export function missingEntries(plan: StagingPlan, entries: ReadonlySet<string>): string[] {
  return plan.files.map((f) => f.entry).filter((e) => !entries.has(e));
}

/**
 * The staging plan for Linux: the headers under `deps/include/`, both libraries under `deps/lib/`,
 * and the links the binding's build and tfjs-node's install script look for: `libtensorflow.so`
 * and `libtensorflow_framework.so` (linker names) and `libtensorflow.so.<version>`, whose presence
 * makes tfjs-node's install script skip its download.
 */
export function planStaging(headers: readonly string[], libtensorflowVersion: string): StagingPlan {
  const files: StagedFile[] = headers.map((h) => ({ entry: WHEEL_INCLUDE_DIR + h, dest: `include/${h}` }));
  const cc = WHEEL_LIBRARIES.cc.slice(WHEEL_LIBRARIES.cc.lastIndexOf('/') + 1);
  const fw = WHEEL_LIBRARIES.framework.slice(WHEEL_LIBRARIES.framework.lastIndexOf('/') + 1);
  files.push({ entry: WHEEL_LIBRARIES.cc, dest: `lib/${cc}` }, { entry: WHEEL_LIBRARIES.framework, dest: `lib/${fw}` });
  const links: StagedLink[] = [
    { path: 'lib/libtensorflow.so', target: cc },
    { path: 'lib/libtensorflow_framework.so', target: fw },
    { path: `lib/libtensorflow.so.${libtensorflowVersion}`, target: cc },
  ];
  return { files, links };
}

/** tfjs-node's `LIBTENSORFLOW_VERSION` from its `scripts/deps-constants.js` text (default 2.9.1). */
export function parseLibtensorflowVersion(depsConstantsJs: string | undefined): string {
  const m = depsConstantsJs ? /LIBTENSORFLOW_VERSION\s*=\s*['"]([0-9.]+)['"]/.exec(depsConstantsJs) : null;
  return m ? m[1] : '2.9.1';
}

/**
 * The N-API version node-pre-gyp picks for the binding (the highest the package lists that this
 * Node supports) and the module path with it substituted, relative to the package.
 */
export function bindingModulePath(binary: { module_path: string; napi_versions?: number[] }, nodeNapi: number): { napi: number; modulePath: string } {
  const usable = (binary.napi_versions ?? []).filter((v) => v <= nodeNapi);
  if (usable.length === 0) throw new Error(`none of the package's N-API versions (${(binary.napi_versions ?? []).join(', ')}) is supported by this Node (N-API ${nodeNapi})`);
  const napi = Math.max(...usable);
  return { napi, modulePath: binary.module_path.replace('{napi_build_version}', String(napi)).replace(/^\.\//, '') };
}
