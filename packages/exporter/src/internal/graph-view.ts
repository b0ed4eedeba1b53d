import type { GraphNode, GraphValue, KernelGraph } from '../trace-graph';
import { UnsupportedKernelError } from '../errors';

/** Explicit spatial padding `[top, bottom, left, right]`, or tfjs's string modes. */
export type WindowPad = 'same' | 'valid' | [number, number, number, number];

/**
 * A read-only view of a traced graph for lowering: aliases (Identity, same-dtype Cast, Reshape to
 * the same shape) resolved, consumers counted, constants accessible.
 */
export class GraphView {
  readonly nodes: GraphNode[];
  private readonly alias = new Map<number, number>();
  private readonly consumers = new Map<number, GraphNode[]>();
  private readonly producers = new Map<number, GraphNode>();

  constructor(
    readonly graph: KernelGraph,
    readonly format: string,
  ) {
    const nodes: GraphNode[] = [];
    for (const n of graph.nodes) {
      const x = n.inputs.x;
      const out = graph.values.get(n.outputs[0]);
      const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
      const isAlias =
        n.kernel === 'Identity' || (n.kernel === 'Cast' && this.value(x).dtype === out?.dtype) || (n.kernel === 'Reshape' && out !== undefined && sameShape(this.value(x).shape, out.shape));
      if (isAlias && n.outputs.length === 1 && x !== undefined) {
        this.alias.set(n.outputs[0], this.resolve(x));
        continue;
      }
      const resolved: GraphNode = { ...n, inputs: Object.fromEntries(Object.entries(n.inputs).map(([k, id]) => [k, this.resolve(id)])) };
      nodes.push(resolved);
      for (const o of n.outputs) this.producers.set(o, resolved);
      for (const id of new Set(Object.values(resolved.inputs))) {
        const list = this.consumers.get(id);
        if (list) list.push(resolved);
        else this.consumers.set(id, [resolved]);
      }
    }
    this.nodes = nodes;
  }

  /** The id a value stands for once aliases are removed. */
  resolve(id: number): number {
    let cur = id;
    while (this.alias.has(cur)) cur = this.alias.get(cur)!;
    return cur;
  }

  get input(): number {
    return this.graph.input;
  }

  get output(): number {
    return this.resolve(this.graph.output);
  }

  value(id: number): GraphValue {
    const v = this.graph.values.get(this.resolve(id));
    if (!v) throw new Error(`${this.format} export: unknown value ${id}`);
    return v;
  }

  /** The constant's data, or null when the value depends on the input. */
  constant(id: number): GraphValue | null {
    const v = this.value(id);
    return v.kind === 'constant' ? v : null;
  }

  /** Kernels reading the value (resolved). */
  consumersOf(id: number): GraphNode[] {
    return this.consumers.get(this.resolve(id)) ?? [];
  }

  /** The kernel producing the value, or undefined for the input and constants. */
  producerOf(id: number): GraphNode | undefined {
    return this.producers.get(this.resolve(id));
  }

  /** True when the value has exactly one reader and is not the output. */
  singleUse(id: number): boolean {
    return this.consumersOf(id).length === 1 && this.resolve(id) !== this.output;
  }

  /**
   * What a lowering made of operand `id` of `node` (looked up in `lowered` after aliases); an
   * {@link UnsupportedKernelError} when the operand is a constant or was not lowered.
   */
  loweredOperand<T>(lowered: ReadonlyMap<number, T>, id: number, node: GraphNode): T {
    const value = lowered.get(this.resolve(id));
    if (value === undefined) throw this.unsupported(node, this.constant(id) ? 'a constant operand where a tensor depending on the input is needed' : 'an input that was not lowered');
    return value;
  }

  /** An error for `node`. */
  unsupported(node: GraphNode, reason?: string): UnsupportedKernelError {
    return new UnsupportedKernelError(this.format, node.kernel, node.module, reason);
  }

  /**
   * The per-channel vector of a constant that broadcasts along the last axis only (a scalar, `[C]`
   * or `[1, …, 1, C]`), expanded to `channels` values; null for other shapes.
   */
  channelVector(id: number, channels: number): Float32Array | null {
    const c = this.constant(id);
    if (!c || !c.data) return null;
    const data = Float32Array.from(c.data);
    if (c.shape.slice(0, -1).some((d) => d !== 1)) return null;
    if (data.length === channels) return data;
    if (data.length === 1) return new Float32Array(channels).fill(data[0]);
    return null;
  }

  /**
   * A per-channel bias added right after `node`'s single-use output (an `Add` with a constant
   * `[channels]` vector), which a conv or dense layer can absorb: the bias, the `Add` node (for
   * the caller to skip) and the id of its output. Null when there is none.
   */
  followingBias(node: GraphNode, channels: number): { bias: Float32Array; add: GraphNode; out: number } | null {
    const out = node.outputs[0];
    if (!this.singleUse(out)) return null;
    const [next] = this.consumersOf(out);
    if (next.kernel !== 'Add') return null;
    const parts = this.splitBinary(next);
    if (!parts || this.resolve(parts.x) !== this.resolve(out)) return null;
    const bias = this.channelVector(parts.c, channels);
    return bias ? { bias, add: next, out: next.outputs[0] } : null;
  }

  /** The (input, constant) operands of a binary kernel, or null when both or neither are constant. */
  splitBinary(node: GraphNode): { x: number; c: number; constantFirst: boolean } | null {
    const [a, b] = [node.inputs.a, node.inputs.b];
    const ca = this.constant(a) !== null;
    const cb = this.constant(b) !== null;
    if (ca === cb) return null;
    return ca ? { x: b, c: a, constantFirst: true } : { x: a, c: b, constantFirst: false };
  }
}

/** Non-negative integer pair from a number or pair attribute. */
export function pairAttr(v: unknown, name: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0], v[1]];
  if (v === undefined || v === null) return [1, 1];
  throw new Error(`bad ${name} attribute ${JSON.stringify(v)}`);
}

/** tfjs window-op `pad` attribute (number, 'same', 'valid' or NHWC explicit) as {@link WindowPad}. */
export function windowPad(pad: unknown, dimRoundingMode: unknown): WindowPad | null {
  if (pad === 'same' || pad === 'valid') return pad;
  if (typeof pad === 'number') return dimRoundingMode ? null : [pad, pad, pad, pad];
  if (Array.isArray(pad) && pad.length === 4) {
    const [[n0, n1], [t, b], [l, r], [c0, c1]] = pad as number[][];
    if (n0 || n1 || c0 || c1) return null;
    return [t, b, l, r];
  }
  return null;
}

/** Normalises a possibly negative axis. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * The integer `[fy, fx]` factors of a `ResizeNearestNeighbor` node that repeats every pixel (output
 * an exact multiple of the input, no corner alignment, no half-pixel centres) — the only resize that
 * ONNX `Resize` (nearest, asymmetric, floor) and Keras `UpSampling2D` express exactly.
 */
export function upsampleFactors(view: GraphView, node: GraphNode): [number, number] {
  const [, h, w] = view.value(node.inputs.images).shape;
  const [, oh, ow] = view.value(node.outputs[0]).shape;
  if (node.attrs.alignCorners || node.attrs.halfPixelCenters) throw view.unsupported(node, 'corner-aligned or half-pixel-centred resizing');
  if (oh % h !== 0 || ow % w !== 0) throw view.unsupported(node, `resizing ${h}×${w} to ${oh}×${ow} (only whole-number upsampling factors)`);
  return [oh / h, ow / w];
}
