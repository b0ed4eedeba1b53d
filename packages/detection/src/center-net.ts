import * as tf from '@tensorflow/tfjs-core';
import { Identity, Linear, Module } from '@dyrep/nn';
import { createModel, type ImageModel, type ModelOptions } from '@dyrep/models';
import { CenterNetHead, REGRESSION_CHANNELS } from './center-net-head';
import { FpnNeck } from './fpn-neck';

/** Options of {@link createCenterNet}. */
export interface CenterNetOptions {
  /** Object classes. */
  numClasses: number;
  /** Backbone name in the `@dyrep/models` registry (default `resnet18`). */
  backbone?: string;
  /** Backbone options (`width`, `inChannels`, `stem`, …); `numClasses` is ignored (the classifier is dropped). Default stem `imagenet`. */
  backboneOptions?: Omit<ModelOptions, 'numClasses'>;
  /** Backbone stage reductions merged by the neck (default `[4, 8, 16]`); the smallest is the output stride. */
  featureStrides?: readonly number[];
  /** Channels of the neck and of the head's hidden layers (default 32). */
  channels?: number;
  /** Initial heatmap probability (default 0.1). */
  prior?: number;
  /**
   * An already-built (trained, possibly grown) model to adopt as the backbone instead of a fresh one:
   * it must be the architecture `backbone` + `backboneOptions` describe (with `numClasses` of its
   * own); its classifier and deeper stages are dropped, everything else is kept as is. The detector
   * takes ownership. Not part of {@link CenterNet.options}.
   */
  backboneModel?: ImageModel;
}

/**
 * A CenterNet-style anchor-free detector ("Objects as Points", Zhou et al. 2019) as a `Module`
 * tree: `backbone` (a registry {@link ImageModel}), `neck` ({@link FpnNeck}) and `head`
 * ({@link CenterNetHead}). `forward(x)` maps NHWC images `[N, H, W, C]` to the raw head output
 * `[N, H/s, W/s, numClasses + 4]` at output stride `s`: class heatmap logits, then box width and
 * height (in units of `s`) and the sub-cell centre offset. Every child is looked up by path on
 * every call, so saliency collectors and evolution policies grow any conv of backbone, neck or
 * head with `model.setModule(path, block)`.
 */
export class CenterNet extends Module {
  /** The options it was built with (defaults filled in); `createCenterNet(model.options)` builds the same architecture. */
  readonly options: Readonly<Required<Omit<CenterNetOptions, 'backboneOptions' | 'backboneModel'>> & { backboneOptions: Omit<ModelOptions, 'numClasses'> }>;
  /** Output stride of the heatmap relative to the input. */
  readonly stride: number;
  /** Backbone stage indices fed to the neck, finest first. */
  readonly stages: readonly number[];

  constructor(options: CenterNetOptions) {
    super();
    const o = {
      numClasses: options.numClasses,
      backbone: options.backbone ?? 'resnet18',
      backboneOptions: { stem: 'imagenet' as const, ...options.backboneOptions },
      featureStrides: [...(options.featureStrides ?? [4, 8, 16])].sort((a, b) => a - b),
      channels: options.channels ?? 32,
      prior: options.prior ?? 0.1,
    };
    if (!Number.isInteger(o.numClasses) || o.numClasses < 1) throw new Error(`CenterNet: numClasses must be a positive integer, got ${o.numClasses}`);
    this.options = Object.freeze(o);
    const backbone = options.backboneModel ?? createModel(o.backbone, { ...o.backboneOptions, numClasses: 1 });
    const info = backbone.featureInfo;
    const stages = o.featureStrides.map((s) => {
      const i = info.findIndex((f) => f.reduction === s);
      if (i < 0) {
        backbone.dispose();
        throw new Error(`CenterNet: backbone '${o.backbone}' has no stage at stride ${s} (strides: ${info.map((f) => f.reduction).join(', ')})`);
      }
      return i;
    });
    pruneBackbone(backbone, Math.max(...stages));
    this.stages = stages;
    this.stride = o.featureStrides[0];
    this.registerModule('backbone', backbone);
    this.registerModule('neck', new FpnNeck({ inChannels: stages.map((i) => info[i].channels), channels: o.channels }));
    this.registerModule('head', new CenterNetHead({ inChannels: o.channels, channels: o.channels, numClasses: o.numClasses, prior: o.prior }));
  }

  /** Object classes (heatmap channels). */
  get numClasses(): number {
    return this.options.numClasses;
  }

  /** Channels of the raw output: `numClasses + 4`. */
  get outputChannels(): number {
    return this.options.numClasses + REGRESSION_CHANNELS;
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const features = (this.getModule('backbone') as ImageModel).forwardFeatures(x, [...this.stages]);
      const merged = (this.getModule('neck') as FpnNeck).merge(features);
      return this.getModule('head').forward(merged);
    });
  }
}

/**
 * Drops what a detector does not run from a classification backbone, so it holds no dead
 * parameters: stages deeper than `deepestStage` and every `Linear` (the classifier) become
 * parameter-free identities.
 */
function pruneBackbone(backbone: ImageModel, deepestStage: number): void {
  const deeper = backbone.featureInfo.slice(deepestStage + 1).map((f) => f.module);
  const linears = backbone
    .namedModules()
    .filter(([, m]) => m instanceof Linear)
    .map(([p]) => p);
  for (const path of [...deeper, ...linears]) backbone.setModule(path, new Identity()).dispose();
}

/** Builds a fresh {@link CenterNet} (training mode). */
export function createCenterNet(options: CenterNetOptions): CenterNet {
  return new CenterNet(options);
}
