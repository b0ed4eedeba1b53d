import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Module, ReLU, Sequential, globalRng } from '@dyrep/nn';

/** Options of {@link CenterNetHead}. */
export interface CenterNetHeadOptions {
  /** Channels of the neck output. */
  inChannels: number;
  /** Hidden channels of each branch. */
  channels: number;
  /** Object classes (heatmap channels). */
  numClasses: number;
  /** Initial foreground probability of the heatmap (sets its output bias, default 0.1). */
  prior?: number;
}

/** Channels of the regression output: box width, height (output-stride units), centre offset x, y. */
export const REGRESSION_CHANNELS = 4;

/** Standard deviation of the output convs' initial weights (RetinaNet/FCOS use 0.01), so the initial heatmap is close to the prior everywhere. */
const OUTPUT_INIT_STD = 0.01;

function branch(cin: number, hidden: number, cout: number, bias: number): Sequential {
  return new Sequential({
    conv: new Conv2d({ inChannels: cin, outChannels: hidden, kernelSize: 3, padding: 1 }),
    bn: new BatchNorm2d(hidden),
    relu: new ReLU(),
    out: new Conv2d({
      inChannels: hidden,
      outChannels: cout,
      kernelSize: 1,
      weight: tf.tensor4d(globalRng().normalArray(hidden * cout, OUTPUT_INIT_STD), [1, 1, hidden, cout]),
      biasValue: tf.fill([cout], bias) as tf.Tensor1D,
    }),
  });
}

/**
 * CenterNet's prediction head: two branches of 3×3 conv → BN → ReLU → 1×1 conv `out` (with bias,
 * weights N(0, 0.01²)), `heatmap` (one logit per class, bias `−log((1 − prior)/prior)`) and
 * `regression` (width, height, offset x, offset y). Its output concatenates them: `[N, h, w, numClasses + 4]`.
 */
export class CenterNetHead extends Module {
  readonly numClasses: number;

  constructor(options: CenterNetHeadOptions) {
    super();
    const prior = options.prior ?? 0.1;
    if (!(prior > 0 && prior < 1)) throw new Error(`CenterNetHead: prior must be in (0, 1), got ${prior}`);
    this.numClasses = options.numClasses;
    this.registerModule('heatmap', branch(options.inChannels, options.channels, options.numClasses, -Math.log((1 - prior) / prior)));
    this.registerModule('regression', branch(options.inChannels, options.channels, REGRESSION_CHANNELS, 0));
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.concat([this.getModule('heatmap').forward(x), this.getModule('regression').forward(x)], 3));
  }
}
