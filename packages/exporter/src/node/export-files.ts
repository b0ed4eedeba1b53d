import type { Module } from '@dyrep/nn';
import { saveTfjs, toOnnxBytes, type ExportMetadata, type ExportOptions } from '@dyrep/exporter';
import { fileSystemHandler } from './file-system-handler';
import { writeOnnxExport, writeTfjsExport } from './replace-export';

/** What {@link exportTfjs} wrote. */
export interface TfjsExportResult {
  /** Absolute path of the export directory (`model.json` + weight shards). */
  dir: string;
  metadata: ExportMetadata;
  /** Layers of the LayersModel (input layer included). */
  layers: number;
}

/** What {@link exportOnnx} wrote. */
export interface OnnxExportResult {
  /** Absolute path of the `.onnx` file. */
  file: string;
  metadata: ExportMetadata;
  /** Nodes of the ONNX graph. */
  nodes: number;
  /** Size of the file in bytes. */
  bytes: number;
}

/**
 * Exports `model` as a TensorFlow.js LayersModel directory (`dir/model.json` + weight shards, see
 * `saveTfjs`), loadable with `tf.loadLayersModel(fileSystemHandler(dir))`. The directory is
 * written atomically and an existing one is refused unless `overwrite`, and even then only a
 * previous export (marked by a `.dyrep-export` file) is replaced, never another directory.
 */
export async function exportTfjs(model: Module, dir: string, options: ExportOptions = {}): Promise<TfjsExportResult> {
  let saved: { metadata: ExportMetadata; layers: number } | undefined;
  const path = await writeTfjsExport(dir, options.overwrite ?? false, async (tmp) => {
    saved = await saveTfjs(model, fileSystemHandler(tmp), options);
  });
  return { dir: path, metadata: saved!.metadata, layers: saved!.layers };
}

/**
 * Exports `model` to an ONNX file (see `toOnnxBytes`), written atomically; an existing file is
 * refused unless `overwrite`, and even then only an ONNX file this exporter made is replaced.
 */
export async function exportOnnx(model: Module, file: string, options: ExportOptions = {}): Promise<OnnxExportResult> {
  const { bytes, metadata, nodes } = toOnnxBytes(model, options);
  const path = await writeOnnxExport(file, options.overwrite ?? false, bytes);
  return { file: path, metadata, nodes, bytes: bytes.byteLength };
}
