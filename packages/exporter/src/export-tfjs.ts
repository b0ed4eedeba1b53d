import type * as tf from '@tensorflow/tfjs-core';
import { io } from '@tensorflow/tfjs-core';
import type { Module } from '@dyrep/nn';
import { resolveExport, type ExportMetadata, type ExportOptions } from './export-options';
import { GraphView } from './internal/graph-view';
import { lowerToLayersModel } from './internal/lower-keras';
import { traceGraph } from './trace-graph';

/** What {@link saveTfjs} saved. */
export interface TfjsSaveResult {
  /** What the IOHandler returned. */
  saveResult: tf.io.SaveResult;
  metadata: ExportMetadata;
  /** Layers of the LayersModel (input layer included). */
  layers: number;
}

/**
 * Saves `model` (typically a {@link deploy}ed one) as a TensorFlow.js LayersModel through any tfjs
 * `io.IOHandler` — `indexeddb://…`, `downloads://…` or `http://…` ones from `tf.io`, or
 * `fileSystemHandler(dir)` from `@dyrep/exporter/node`. The model takes NHWC float32 input in
 * [0, 1]; the normalisation is its first layer; the metadata is in `userDefinedMetadata.dyrep`.
 * Browser-safe. Requires `@tensorflow/tfjs-layers` at run time.
 */
export async function saveTfjs(model: Module, handler: tf.io.IOHandler, options: ExportOptions = {}): Promise<TfjsSaveResult> {
  const { traceShape, metadata } = resolveExport(model, options, 'NHWC', 'exportTfjs');
  const view = new GraphView(traceGraph(model, traceShape), 'tfjs-layers');
  const layers = lowerToLayersModel(view, metadata.inputSize, metadata.normalization, 'dyrep');
  try {
    layers.setUserDefinedMetadata({ dyrep: metadata });
    const saveResult = await layers.save(handler);
    return { saveResult, metadata, layers: layers.layers.length };
  } finally {
    layers.dispose();
  }
}

/**
 * The TensorFlow.js LayersModel of `model` as in-memory artifacts (`modelTopology`, `weightSpecs`,
 * `weightData`), e.g. for `tf.loadLayersModel(tf.io.fromMemory(artifacts))`. Browser-safe.
 */
export async function toTfjsArtifacts(model: Module, options: ExportOptions = {}): Promise<{ artifacts: tf.io.ModelArtifacts; metadata: ExportMetadata; layers: number }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  const handler = io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: io.getModelArtifactsInfoForJSON(a) };
  });
  const { metadata, layers } = await saveTfjs(model, handler, options);
  if (!artifacts) throw new Error('toTfjsArtifacts: the LayersModel saved nothing');
  return { artifacts, metadata, layers };
}
