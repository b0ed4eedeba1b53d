import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { ensureDirectory, writeFileAtomic } from '@dyrep/core/node';
import { isAbsolute, join, normalize } from 'node:path';

/** Options of {@link fileSystemHandler}. */
export interface FileSystemHandlerOptions {
  /** Largest weight shard in bytes (default 4 MiB, as the tfjs converter). */
  shardBytes?: number;
}

const MODEL_JSON = 'model.json';

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/**
 * A tfjs `io.IOHandler` over a directory of the Node file system: `save` writes `model.json` and
 * weight shards `group1-shardXofN.bin`, `load` reads them back, so
 * `tf.loadLayersModel(fileSystemHandler(dir))` and `model.save(fileSystemHandler(dir))` work
 * in Node without tfjs-node. `dir` is created when saving.
 */
export function fileSystemHandler(dir: string, options: FileSystemHandlerOptions = {}): tf.io.IOHandler {
  const shardBytes = options.shardBytes ?? 4 * 1024 * 1024;
  if (!(shardBytes > 0)) throw new Error(`fileSystemHandler: shardBytes must be positive, got ${shardBytes}`);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('fileSystemHandler: binary model topologies are not supported');
      await ensureDirectory(dir);
      const data = artifacts.weightData ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : new Uint8Array(0);
      const count = Math.max(1, Math.ceil(data.byteLength / shardBytes));
      const paths: string[] = [];
      for (let i = 0; i < count; i++) {
        const name = `group1-shard${i + 1}of${count}.bin`;
        await writeFileAtomic(join(dir, name), data.subarray(i * shardBytes, Math.min(data.byteLength, (i + 1) * shardBytes)));
        paths.push(name);
      }
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.signature != null) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer != null) modelJson.modelInitializer = artifacts.modelInitializer;
      if (artifacts.initializerSignature != null) modelJson.initializerSignature = artifacts.initializerSignature;
      if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
      await writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const file = join(dir, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(file, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`fileSystemHandler: cannot read '${file}': ${(e as Error).message}`);
      }
      if (modelJson.modelTopology == null) throw new Error(`fileSystemHandler: '${file}' has no modelTopology`);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            if (isAbsolute(p) || normalize(p).startsWith('..')) throw new Error(`fileSystemHandler: weight path '${p}' leaves the model directory`);
            buffers.push(toArrayBuffer(await readFile(join(dir, p))));
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}
