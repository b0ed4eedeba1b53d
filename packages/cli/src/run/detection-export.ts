import { deployWithReport } from '@dyrep/exporter';
import { exportOnnx, exportTfjs } from '@dyrep/exporter/node';
import { countParams } from '@dyrep/nn';
import { loadDetectionModel } from './detection-model';

/** What `dyrep detect export` prints. */
export interface DetectorExportReport {
  format: 'tfjs' | 'onnx';
  out: string;
  fusedBlocks: number;
  foldedBatchNorms: number;
  /** Largest relative difference between the trained and the deployed detector's raw outputs. */
  maxRelDiff: number | undefined;
  params: number;
  inputSize: [number, number, number];
}

/**
 * Fuses the trained detector of a `dyrep detect train` run into the plain CenterNet (BNs folded,
 * equivalence checked) and exports it: a TensorFlow.js LayersModel directory or an ONNX file whose
 * input is `[N, H, W, C]` (ONNX: `[N, C, H, W]`) pixels in [0, 1] with the run's normalisation
 * in-graph, and whose output is the raw `[N, H/s, W/s, K + 4]` map (ONNX: NCHW).
 */
export async function exportDetector(run: string, format: 'tfjs' | 'onnx', out: string, overwrite: boolean): Promise<DetectorExportReport> {
  const { model, meta } = loadDetectionModel(run);
  try {
    const inputSize: [number, number, number] = [...meta.inputSize, meta.channels];
    const { model: deployed, equivalence, fusedBlocks, foldedBatchNorms } = deployWithReport(model, { inputShape: [1, ...inputSize] });
    try {
      const options = {
        inputSize,
        normalization: meta.normalization ?? undefined,
        classNames: meta.categories.map(String),
        architecture: `CenterNet (${model.options.backbone} width ${model.options.backboneOptions.width}, stride ${model.stride}, ${model.numClasses} classes; raw [N, h, w, classes + 4] output) trained with ${meta.config.policy}`,
        overwrite,
      };
      if (format === 'tfjs') await exportTfjs(deployed, out, options);
      else await exportOnnx(deployed, out, options);
      return { format, out, fusedBlocks: fusedBlocks.length, foldedBatchNorms: foldedBatchNorms.length, maxRelDiff: equivalence?.maxRelDiff, params: countParams(deployed), inputSize };
    } finally {
      deployed.dispose();
    }
  } finally {
    model.dispose();
  }
}
