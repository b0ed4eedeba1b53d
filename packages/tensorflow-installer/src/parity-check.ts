// The proof that a built binding works: a fresh Node process loads it, runs a few ops and their
// gradients on `tensorflow` and on `cpu`, and prints the numbers; the comparison is pure.

/** What the verification process prints (after {@link VERIFY_MARKER}) as JSON. */
export interface VerifyReport {
  ok: boolean;
  error?: string;
  /** The active backend after loading the package (should be `tensorflow`). */
  backend?: string;
  /** libtensorflow's `TF_Version()`. */
  tfVersion?: string;
  tfjsVersion?: string;
  gpu?: boolean;
  /** Whether the project's @dyrep/backend initialised the backend (adds explicit-padding conv gradients). */
  viaDyrepBackend?: boolean;
  /** Per backend, per case, per output (`y`, `dx0`, `dx1`, ...): the values. */
  results?: Record<string, Record<string, Record<string, number[]>>>;
}

export const VERIFY_MARKER = 'DYREP_VERIFY_RESULT ';

/**
 * Source of the verification script (CommonJS, run with `node -e`). Environment:
 * `DYREP_VERIFY_PREFIX` (the project to resolve from), `DYREP_VERIFY_PACKAGE` (tfjs-node or -gpu).
 */
export const VERIFY_SCRIPT = String.raw`
const path = require('path');
const { createRequire } = require('module');
const report = { ok: false };
(async () => {
try {
  const req = createRequire(path.join(process.env.DYREP_VERIFY_PREFIX, 'package.json'));
  const tf = req(process.env.DYREP_VERIFY_PACKAGE);
  // Through @dyrep/backend when the project has it: its initBackend adds the explicit-padding
  // conv gradients tfjs-node lacks. Otherwise those gradients are left out.
  let dyrep;
  try { dyrep = req('@dyrep/backend'); } catch (e) { dyrep = undefined; }
  report.viaDyrepBackend = !!(dyrep && typeof dyrep.initBackend === 'function');
  if (report.viaDyrepBackend) await dyrep.initBackend('tensorflow');
  report.backend = tf.getBackend();
  const binding = tf.backend().binding || {};
  report.tfVersion = binding.TF_Version;
  report.tfjsVersion = tf.version && tf.version.tfjs;
  report.gpu = typeof binding.isUsingGpuDevice === 'function' ? binding.isUsingGpuDevice() === true : false;
  const cases = {
    conv2d_same_stride2: { shapes: [[2, 9, 9, 3], [3, 3, 3, 4]], f: (x, w) => tf.conv2d(x, w, 2, 'same') },
    conv2d_explicit_pads_stride2: { shapes: [[2, 9, 8, 3], [3, 3, 3, 5]], f: (x, w) => tf.conv2d(x, w, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]), explicitGrad: true },
    depthwise_explicit_pads: { shapes: [[2, 8, 8, 4], [3, 3, 4, 1]], f: (x, w) => tf.depthwiseConv2d(x, w, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]), explicitGrad: true },
    // tfjs has no conv2d gradient for dilation > 1: forward only.
    conv2d_dilation2: { shapes: [[2, 9, 9, 3], [3, 3, 3, 4]], f: (x, w) => tf.conv2d(x, w, 1, 'same', 'NHWC', 2), forwardOnly: true },
    depthwise_conv2d: { shapes: [[2, 8, 8, 4], [3, 3, 4, 2]], f: (x, w) => tf.depthwiseConv2d(x, w, 1, 'same') },
    // TF 2.21's oneDNN corrupts the heap here unless @dyrep/backend's kernel computes it; the check runs with oneDNN off unless set.
    conv2d_1x1_stride2_training_size: { shapes: [[32, 28, 28, 8], [1, 1, 8, 16]], f: (x, w) => tf.conv2d(x, w, 2, 'valid') },
    mat_mul: { shapes: [[5, 7], [7, 3]], f: (a, b) => tf.matMul(a, b) },
    max_pool: { shapes: [[2, 8, 8, 3]], f: (x) => tf.maxPool(x, 3, 2, 'same') },
    avg_pool: { shapes: [[2, 8, 8, 3]], f: (x) => tf.avgPool(x, 2, 2, 'valid') },
    batch_norm_relu_log_softmax: {
      shapes: [[4, 6, 6, 5], [5], [5]],
      f: (x, g, b) => {
        const m = tf.moments(x, [0, 1, 2]);
        const h = tf.relu(tf.add(tf.mul(tf.mul(tf.sub(x, m.mean), tf.rsqrt(tf.add(m.variance, 1e-5))), g), b));
        return tf.logSoftmax(tf.mean(h, [1, 2]));
      },
    },
  };
  const results = {};
  for (const backend of ['cpu', 'tensorflow']) {
    if (!(await tf.setBackend(backend))) throw new Error('cannot activate backend ' + backend);
    let seed = 12345;
    const rnd = (n) => Array.from({ length: n }, () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return (seed / 4294967296) * 2 - 1; });
    const size = (s) => s.reduce((a, b) => a * b, 1);
    const perBackend = {};
    for (const [name, c] of Object.entries(cases)) {
      perBackend[name] = tf.tidy(() => {
        const xs = c.shapes.map((s) => tf.tensor(rnd(size(s)), s));
        const y = c.f(...xs);
        const r = tf.tensor(rnd(y.size), y.shape);
        const out = { y: Array.from(y.dataSync()) };
        if (c.forwardOnly || (c.explicitGrad && !report.viaDyrepBackend)) return out;
        const grads = tf.grads((...ts) => tf.sum(tf.mul(c.f(...ts), r)))(xs);
        grads.forEach((g, i) => { out['dx' + i] = Array.from(g.dataSync()); });
        return out;
      });
    }
    results[backend] = perBackend;
  }
  report.results = results;
  report.ok = true;
} catch (err) {
  report.error = String((err && err.stack) || err).split('\n').slice(0, 3).join(' | ');
}
process.stdout.write('\n' + ${JSON.stringify(VERIFY_MARKER)} + JSON.stringify(report) + '\n');
})();
`;

/** Pulls the report out of the verification process's stdout; undefined when it printed none. */
export function parseVerifyOutput(stdout: string): VerifyReport | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(VERIFY_MARKER));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(VERIFY_MARKER.length)) as VerifyReport;
  } catch {
    return undefined;
  }
}

/** max |a − b| / max |b| (0 when equal; Infinity when the lengths differ). */
export function relativeError(actual: readonly number[], expected: readonly number[]): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff === 0 ? 0 : diff / Math.max(scale, 1e-30);
}

export interface ParityRow {
  name: string;
  relError: number;
  ok: boolean;
}

/** Compares every output of `backend` with `reference`; a case or output missing on one side fails. */
export function compareParity(
  results: Record<string, Record<string, Record<string, number[]>>>,
  backend: string,
  reference = 'cpu',
  tolerance = 1e-4,
): { rows: ParityRow[]; failures: ParityRow[]; worst: number } {
  const got = results[backend] ?? {};
  const want = results[reference] ?? {};
  const rows: ParityRow[] = [];
  const names = new Set([...Object.keys(got), ...Object.keys(want)]);
  for (const c of [...names].sort()) {
    const outs = new Set([...Object.keys(got[c] ?? {}), ...Object.keys(want[c] ?? {})]);
    for (const o of [...outs].sort()) {
      const a = got[c]?.[o];
      const b = want[c]?.[o];
      const e = a && b ? relativeError(a, b) : Infinity;
      rows.push({ name: `${c}.${o}`, relError: e, ok: e <= tolerance });
    }
  }
  if (rows.length === 0) rows.push({ name: '(no results)', relError: Infinity, ok: false });
  const failures = rows.filter((r) => !r.ok);
  const worst = rows.reduce((m, r) => Math.max(m, r.relError), 0);
  return { rows, failures, worst };
}
