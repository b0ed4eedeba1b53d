import * as tf from '@tensorflow/tfjs-core';
import { Module } from '@dyrep/nn';
import type { ResolvedModelOptions } from './options';

/** One stage's feature map, as produced by {@link ImageModel.forwardFeatures}. */
export interface FeatureInfo {
  /** Dotted path of the module whose output is the stage's feature map (e.g. `layer2`, `features.13`). */
  module: string;
  /** Channels of the feature map. */
  channels: number;
  /** Total stride relative to the input: the map is `ceil(H / reduction) × ceil(W / reduction)`. */
  reduction: number;
}

/** How an {@link ImageModel} runs: module paths called in order, and where the stages end. */
export interface ImageModelLayout {
  /** Paths run in order from the input to the last feature stage. */
  trunk: string[];
  /** Paths run in order after the trunk, ending in logits `[N, numClasses]`. */
  head: string[];
  /** Stage outputs; every `module` must be a trunk path. */
  featureInfo: FeatureInfo[];
  /** Channels entering the classifier. */
  numFeatures: number;
  /** Smallest input side the network accepts (default 1). */
  minInputSize?: number;
}

/**
 * Base of every registry model: an NHWC image classifier whose forward pass looks up each step by
 * path in the module tree on every call, so `model.setModule(path, block)` takes effect at once.
 * No subclass keeps a reference to a child layer.
 */
export class ImageModel extends Module {
  /** The validated options the model was built with. */
  readonly options: Readonly<ResolvedModelOptions>;
  private layout: Required<ImageModelLayout> | null = null;

  constructor(options: ResolvedModelOptions) {
    super();
    this.options = Object.freeze({ ...options });
  }

  /** Sets the run order and stage table; subclasses call it once, after registering their children. */
  protected setLayout(layout: ImageModelLayout): void {
    if (this.layout) throw new Error(`${this.constructor.name}: layout is set already`);
    for (const path of [...layout.trunk, ...layout.head]) this.getModule(path);
    for (const f of layout.featureInfo) {
      if (!layout.trunk.includes(f.module)) throw new Error(`${this.constructor.name}: feature module '${f.module}' is not a trunk path`);
    }
    this.layout = {
      trunk: [...layout.trunk],
      head: [...layout.head],
      featureInfo: Object.freeze(layout.featureInfo.map((f) => Object.freeze({ ...f }))) as FeatureInfo[],
      numFeatures: layout.numFeatures,
      minInputSize: layout.minInputSize ?? 1,
    };
  }

  private get l(): Required<ImageModelLayout> {
    if (!this.layout) throw new Error(`${this.constructor.name}: layout was never set`);
    return this.layout;
  }

  /** Per-stage feature maps, shallow to deep: channels, reduction and the module path producing each. */
  get featureInfo(): readonly FeatureInfo[] {
    return this.l.featureInfo;
  }

  /** Classifier outputs. */
  get numClasses(): number {
    return this.options.numClasses;
  }

  /** Expected input channels. */
  get inChannels(): number {
    return this.options.inChannels;
  }

  /** Channels entering the classifier (after global pooling). */
  get numFeatures(): number {
    return this.l.numFeatures;
  }

  /** Smallest input height and width the network accepts. */
  get minInputSize(): number {
    return this.l.minInputSize;
  }

  /** Logits `[N, numClasses]` for NHWC input `[N, H, W, inChannels]`. */
  override forward(x: tf.Tensor): tf.Tensor {
    this.checkInput(x);
    return tf.tidy(() => {
      let y = x;
      for (const path of [...this.l.trunk, ...this.l.head]) y = this.getModule(path).forward(y);
      return y === x ? tf.clone(x) : y;
    });
  }

  /**
   * Feature maps `[N, h, w, channels]` of the requested stages (indices into {@link featureInfo},
   * default all, returned in the order asked). Runs the trunk only as far as the deepest stage
   * asked for; the head is not run. The caller owns the returned tensors.
   */
  forwardFeatures(x: tf.Tensor, stages?: number[]): tf.Tensor4D[] {
    this.checkInput(x);
    const info = this.l.featureInfo;
    const wanted = stages ?? info.map((_, i) => i);
    for (const s of wanted) {
      if (!Number.isInteger(s) || s < 0 || s >= info.length) {
        throw new Error(`${this.constructor.name}: stage ${s} does not exist (stages 0..${info.length - 1})`);
      }
    }
    const trunk = this.l.trunk;
    const at = wanted.map((s) => trunk.indexOf(info[s].module));
    const last = Math.max(-1, ...at);
    return tf.tidy(() => {
      const out: tf.Tensor4D[] = new Array(wanted.length);
      const used = new Set<tf.Tensor>();
      let y = x;
      for (let i = 0; i <= last; i++) {
        y = this.getModule(trunk[i]).forward(y);
        at.forEach((t, k) => {
          if (t !== i) return;
          out[k] = (used.has(y) || y === x ? tf.clone(y) : y) as tf.Tensor4D;
          used.add(y);
        });
      }
      return out;
    });
  }

  private checkInput(x: tf.Tensor): void {
    const name = this.constructor.name;
    if (x.rank !== 4) throw new Error(`${name}: expected NHWC input [N, H, W, ${this.inChannels}], got shape [${x.shape}]`);
    if (x.shape[3] !== this.inChannels) {
      throw new Error(`${name}: input has ${x.shape[3]} channels, the model expects ${this.inChannels} (shape [${x.shape}])`);
    }
    const min = this.minInputSize;
    const [, h, w] = x.shape as number[];
    if (h < min || w < min) {
      throw new Error(`${name}: input ${h}×${w} is smaller than the minimum ${min}×${min}`);
    }
  }
}
