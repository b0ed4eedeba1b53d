import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { fileSystemHandler } from '@dyrep/exporter';

/** An exported model run by its own runtime (tfjs-layers or ONNX Runtime), not by our module tree. */
export interface ExportedModel {
  format: 'tfjs' | 'onnx';
  /** Logits `[N, classes]` for raw NHWC float32 input in [0, 1] (the export normalises itself). */
  predict(x: tf.Tensor4D): Promise<tf.Tensor2D>;
  dispose(): void;
}

/** Opens `model.json` (TensorFlow.js LayersModel) or a `.onnx` file. */
export async function openExportedModel(file: string): Promise<ExportedModel> {
  if (extname(file).toLowerCase() === '.onnx') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(readFileSync(file));
    const input = session.inputNames[0];
    const output = session.outputNames[0];
    return {
      format: 'onnx',
      async predict(x) {
        const nchw = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]));
        const data = (await nchw.data()) as Float32Array;
        const shape = nchw.shape;
        nchw.dispose();
        const result = await session.run({ [input]: new ort.Tensor('float32', data, shape) });
        const y = result[output];
        return tf.tensor2d(y.data as Float32Array, y.dims as [number, number]);
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
    async predict(x) {
      return tf.tidy(() => model.predict(x) as tf.Tensor2D);
    },
    dispose() {
      model.dispose();
    },
  };
}
