// timm's naming of MobileNetV1 (`timm.models.efficientnet`, model `mobilenetv1_100`).
import { MOBILENET_V1_BLOCKS } from '@dyrep/models';
import { INCEPTION_NORMALIZATION, renamingModules, type PretrainedArchitecture } from './pretrained-architecture';

/** timm stage and index of each of our 13 blocks: a stage starts at the first block and at every stride-2 block. */
const TIMM_BLOCK: readonly string[] = (() => {
  let stage = -1;
  let index = 0;
  return MOBILENET_V1_BLOCKS.map(([, stride], i) => {
    if (i === 0 || stride > 1) {
      stage++;
      index = 0;
    }
    return `blocks.${stage}.${index++}`;
  });
})();

/** Our module → timm's: the stem `features.0.{0,1}` → `conv_stem`, `bn1`; block j's `.0/.1/.3/.4` → `conv_dw`, `bn1`, `conv_pw`, `bn2`. */
const BLOCK_PARTS: Readonly<Record<string, string>> = { 0: 'conv_dw', 1: 'bn1', 3: 'conv_pw', 4: 'bn2' };

function timmModule(path: string): string {
  if (path === 'features.0.0') return 'conv_stem';
  if (path === 'features.0.1') return 'bn1';
  const m = /^features\.(\d+)\.(\d+)$/.exec(path);
  const block = m ? TIMM_BLOCK[Number(m[1]) - 1] : undefined;
  const part = m ? BLOCK_PARTS[m[2]] : undefined;
  return block && part ? `${block}.${part}` : path;
}

/**
 * `mobilenet_v1` in timm's naming: `timm.create_model('mobilenetv1_100', act_layer='relu')` has
 * exactly our structure and parameter names `conv_stem`, `bn1`, `blocks.S.I.{conv_dw,bn1,conv_pw,bn2}`
 * (stages of 1, 2, 2, 6, 2 blocks), `classifier`. timm's default activation for this model is
 * ReLU6 and ours is ReLU: names, shapes and layouts match either way, the logits only with ReLU.
 */
export const timmMobileNetV1: PretrainedArchitecture = {
  model: 'mobilenet_v1',
  naming: 'timm',
  counterpart: "timm mobilenetv1_100 (act_layer='relu')",
  keyOf: renamingModules(timmModule),
  stem: 'features.0.0',
  head: 'classifier',
  convBias: false,
  bnAfter: (path) => {
    const m = /^(features\.\d+)\.([03])$/.exec(path);
    return m ? `${m[1]}.${Number(m[2]) + 1}` : null;
  },
  flattenedInputs: () => ({}),
  normalization: INCEPTION_NORMALIZATION,
};
