import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-web';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, type Module } from '@dyrep/nn';
import { growAt, listGrowableConvs, listRepBlocks, type PresetName } from '@dyrep/rep-blocks';
import { randomizeBatchNorms } from '@dyrep/test-utils';
import type { Normalization } from '../src/index';

/** Normalisation used by the export tests (non-trivial on purpose). */
export const NORM: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** (x − mean) / std over NHWC channels, as the exported models apply it. */
export function normalize(x: tf.Tensor, n: Normalization = NORM): tf.Tensor {
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(n.mean)), tf.tensor1d(n.std)));
}

/** A temporary directory, removed by the returned cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dyrep-exporter-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Randomises BN parameters and statistics, then runs a few train-mode forward passes so the running
 * statistics follow real activations (momentum 0.1) without being trivial.
 */
export function settleBatchNorms(model: Module, rng: Rng, inputShape: number[]): void {
  randomizeBatchNorms(model, rng);
  model.train();
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      model.forward(tf.tensor(rng.normalArray(inputShape.reduce((a, b) => a * b, 1)), inputShape));
    });
  }
  model.eval();
}

/**
 * Grows every growable conv into a block of `preset`; with `nested`, also grows the k×k convs
 * inside the new blocks (depth 1) with `full` and cuts one non-kxk branch of every other block.
 */
export function growModel(model: Module, preset: PresetName, nested: boolean, rng: Rng): void {
  for (const g of listGrowableConvs(model)) growAt(model, g.path, { branches: preset, rng, gate: 0.5 });
  if (!nested) return;
  for (const g of listGrowableConvs(model)) growAt(model, g.path, { branches: 'full', rng, gate: 0.5 });
  // Innermost first: cutting a parent's branch disposes the blocks nested in it.
  listRepBlocks(model)
    .reverse()
    .forEach(({ block }, i) => {
      const cuttable = block.branchKinds.filter((k) => k !== 'kxk');
      if (i % 2 === 0 && cuttable.length) block.cut([cuttable[i % cuttable.length]]);
    });
}

let sessionReady = false;

/** Runs ONNX bytes in onnxruntime-web (wasm, one thread) on an NHWC batch; returns the output as a tfjs tensor. */
export async function runOnnx(bytes: Uint8Array, xNhwc: tf.Tensor): Promise<tf.Tensor> {
  if (!sessionReady) {
    ort.env.wasm.numThreads = 1;
    sessionReady = true;
  }
  const session = await ort.InferenceSession.create(bytes);
  try {
    const nchw = tf.tidy(() => tf.transpose(xNhwc, [0, 3, 1, 2]));
    const data = Float32Array.from(nchw.dataSync());
    const shape = nchw.shape;
    nchw.dispose();
    const out = await session.run({ input: new ort.Tensor('float32', data, shape) });
    const y = out.output;
    return tf.tensor(Float32Array.from(y.data as Float32Array), y.dims as number[]);
  } finally {
    await session.release();
  }
}
