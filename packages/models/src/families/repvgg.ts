import { GlobalAvgPool, Linear, Sequential } from '@dyrep/nn';
import { ImageModel, type FeatureInfo } from '../image-model';
import { convBnRelu } from '../internal/layers';
import { scaleChannels, type ResolvedModelOptions } from '../options';

/** Architecture of a plain RepVGG-style network: layers per stage (`stage0`..`stage4`) and base multipliers a, b. */
export interface RepVggSpec {
  /** Layers in stage0..stage4; stage0 is the single stem conv. */
  layers: [1, number, number, number, number];
  /** Multiplier a of stages 1–3 (and of stage0, capped at 64 channels). */
  a: number;
  /** Multiplier b of stage 4. */
  b: number;
}

/** RepVGG-A0 (Ding et al., 2021): layers [1, 2, 4, 14, 1], a = 0.75, b = 2.5 → widths 48, 48, 96, 192, 1280. */
export const REPVGG_A0_SPEC: RepVggSpec = { layers: [1, 2, 4, 14, 1], a: 0.75, b: 2.5 };

/**
 * Plain RepVGG-style VGG in its *training-before-growth* form: every layer is a 3×3 conv (no bias)
 * → BN → ReLU in a Sequential with children `conv`, `bn`, `relu`; `stage0` is one such layer
 * (`stage0.conv`), `stageK.i` the i-th layer of stage K (`stage3.13.conv`). The first conv of every
 * stage has stride 2 (`cifar` stem: stage0 keeps stride 1), then `gap` and `linear`.
 * RepVGG-A0 at width 1, 1000 classes: 8,313,880 parameters, 8,309,384 once each BN is folded into
 * its conv (the deployed RepVGG-A0).
 */
export class RepVgg extends ImageModel {
  constructor(spec: RepVggSpec, options: ResolvedModelOptions) {
    super(options);
    const { width, stem, inChannels, numClasses } = options;
    const base = [Math.min(64, 64 * spec.a), 64 * spec.a, 128 * spec.a, 256 * spec.a, 512 * spec.b];
    const featureInfo: FeatureInfo[] = [];
    const trunk: string[] = [];
    let cin = inChannels;
    let reduction = 1;
    spec.layers.forEach((n, s) => {
      const cout = scaleChannels(base[s], width);
      const stride = s === 0 && stem === 'cifar' ? 1 : 2;
      const name = `stage${s}`;
      if (s === 0) {
        this.registerModule(name, convBnRelu(cin, cout, 3, stride));
      } else {
        const stage = new Sequential();
        for (let i = 0; i < n; i++) stage.append(convBnRelu(i === 0 ? cin : cout, cout, 3, i === 0 ? stride : 1));
        this.registerModule(name, stage);
      }
      cin = cout;
      reduction *= stride;
      trunk.push(name);
      featureInfo.push({ module: name, channels: cout, reduction });
    });
    this.registerModule('gap', new GlobalAvgPool());
    this.registerModule('linear', new Linear(cin, numClasses));
    this.setLayout({ trunk, head: ['gap', 'linear'], featureInfo, numFeatures: cin });
  }
}
