import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { readOnnxMetadata, type ExportMetadata } from '@dyrep/exporter';
import { fileSystemHandler } from '@dyrep/exporter/node';

/** An exported model run by its own runtime (tfjs-layers or ONNX Runtime), not by our module tree. */
export interface ExportedModel {
  format: 'tfjs' | 'onnx';
  /** What the exporter recorded (input size, normalisation, class names…), or null for a foreign file. */
  metadata: ExportMetadata | null;
  /**
   * The output for raw NHWC float32 input in [0, 1] (the export normalises itself): logits
   * `[N, classes]` for a classifier, an NHWC map for a detector (ONNX's NCHW is transposed back).
   */
  predict(x: tf.Tensor4D): Promise<tf.Tensor>;
  dispose(): void;
}

/** ONNX Runtime Web, an optional peer of `@dyrep/cli`: a missing install is one line saying how to add it. */
async function loadOnnxRuntime(): Promise<typeof import('onnxruntime-web')> {
  try {
    return await import('onnxruntime-web');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error('evaluating an .onnx model needs ONNX Runtime Web, an optional peer of @dyrep/cli: run `npm install onnxruntime-web@^1.30.0`');
    }
    throw e;
  }
}

/** Opens `model.json` (TensorFlow.js LayersModel) or a `.onnx` file. */
export async function openExportedModel(file: string): Promise<ExportedModel> {
  if (extname(file).toLowerCase() === '.onnx') {
    const ort = await loadOnnxRuntime();
    ort.env.wasm.numThreads = 1;
    const bytes = readFileSync(file);
    const session = await ort.InferenceSession.create(bytes);
    const input = session.inputNames[0];
    const output = session.outputNames[0];
    return {
      format: 'onnx',
      metadata: readOnnxMetadata(bytes),
      async predict(x) {
        const nchw = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]));
        const data = (await nchw.data()) as Float32Array;
        const shape = nchw.shape;
        nchw.dispose();
        const result = await session.run({ [input]: new ort.Tensor('float32', data, shape) });
        const y = result[output];
        const out = tf.tensor(y.data as Float32Array, y.dims as number[]);
        if (out.rank !== 4) return out;
        const nhwc = tf.transpose(out, [0, 2, 3, 1]);
        out.dispose();
        return nhwc;
      },
      dispose() {
        void session.release();
      },
    };
  }
  if (!file.endsWith('.json')) throw new Error(`'${file}' is neither a TensorFlow.js model.json nor an .onnx file`);
  const model = await loadLayersModel(fileSystemHandler(dirname(file)));
  return {
    format: 'tfjs',
    metadata: (model.getUserDefinedMetadata() as { dyrep?: ExportMetadata } | undefined)?.dyrep ?? null,
    async predict(x) {
      return tf.tidy(() => model.predict(x) as tf.Tensor);
    },
    dispose() {
      model.dispose();
    },
  };
}
