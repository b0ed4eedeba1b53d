import type { Module } from '@dyrep/nn';
import { resolveExport, type ExportMetadata, type ExportOptions } from './export-options';
import { fileSystemHandler } from './file-system-handler';
import { writeTfjsExport } from './internal/replace-export';
import { GraphView } from './internal/graph-view';
import { lowerToLayersModel } from './internal/lower-keras';
import { traceGraph } from './trace-graph';

/** What {@link exportTfjs} wrote. */
export interface TfjsExportResult {
  /** Absolute path of the export directory (`model.json` + weight shards). */
  dir: string;
  metadata: ExportMetadata;
  /** Layers of the LayersModel (input layer included). */
  layers: number;
}

/**
 * Exports `model` (typically a {@link deploy}ed one) as a TensorFlow.js LayersModel: `dir/model.json`
 * plus weight shards, loadable with `tf.loadLayersModel` (in Node via {@link fileSystemHandler}).
 * The model takes NHWC float32 input in [0, 1]; the normalisation is its first layer; the metadata
 * is in `userDefinedMetadata.dyrep`. The directory is written atomically and an existing one is
 * refused unless `overwrite`, and even then only a previous export (marked by a `.dyrep-export`
 * file) is replaced, never another directory. Requires `@tensorflow/tfjs-layers` at run time.
 */
export async function exportTfjs(model: Module, dir: string, options: ExportOptions = {}): Promise<TfjsExportResult> {
  const { traceShape, metadata } = resolveExport(model, options, 'NHWC', 'exportTfjs');
  const view = new GraphView(traceGraph(model, traceShape), 'tfjs-layers');
  const layers = lowerToLayersModel(view, metadata.inputSize, metadata.normalization, 'dyrep');
  try {
    layers.setUserDefinedMetadata({ dyrep: metadata });
    const path = await writeTfjsExport(dir, options.overwrite ?? false, async (tmp) => {
      await layers.save(fileSystemHandler(tmp));
    });
    return { dir: path, metadata, layers: layers.layers.length };
  } finally {
    layers.dispose();
  }
}
