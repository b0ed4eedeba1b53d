import type { EquivalenceReport } from './verify-equivalence';

/** A kernel of the traced graph that an export format cannot express. */
export class UnsupportedKernelError extends Error {
  constructor(
    /** Export format (`tfjs-layers`, `onnx`). */
    readonly format: string,
    /** tfjs kernel name. */
    readonly kernel: string,
    /** Path of the module that issued the kernel (`''` for the root). */
    readonly modulePath: string,
    /** Why it cannot be exported. */
    readonly reason = 'no lowering for this kernel',
  ) {
    super(`${format} export: unsupported kernel '${kernel}' in module '${modulePath || '<root>'}': ${reason}`);
    this.name = 'UnsupportedKernelError';
  }
}

/** A deployed model whose outputs differ from the trained model's beyond the tolerance. */
export class EquivalenceError extends Error {
  constructor(
    readonly report: EquivalenceReport,
    readonly tolerance: number,
  ) {
    super(
      `deploy: the deployed model is not equivalent to the trained one: relative max |Δ| = ${report.maxRelDiff.toExponential(3)} > tolerance ${tolerance} ` +
        `(max |Δ| = ${report.maxAbsDiff.toExponential(3)}, top-1 agreement ${(report.top1Agreement * 100).toFixed(1)}% over ${report.samples} samples)`,
    );
    this.name = 'EquivalenceError';
  }
}
