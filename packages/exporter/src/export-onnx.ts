import onnxProto from 'onnx-proto';
import type { Module } from '@dyrep/nn';
import { resolveExport, type ExportMetadata, type ExportOptions } from './export-options';
import { ONNX_PRODUCER } from './internal/producer';
import { GraphView } from './internal/graph-view';
import { ONNX_OPSET, lowerToOnnxGraph } from './internal/lower-onnx';
import { traceGraph } from './trace-graph';
import { EXPORTER_VERSION } from './version';

const { onnx } = onnxProto;

/**
 * Serialises `model` (typically a {@link deploy}ed one) to ONNX bytes in memory (opset 13, browser-safe): input `input`
 * NCHW float32 `[N, C, H, W]` in [0, 1] with the normalisation in-graph, output `output`; the
 * metadata is in `metadata_props` (`dyrep.*` keys, JSON values).
 */
export function toOnnxBytes(model: Module, options: ExportOptions = {}): { bytes: Uint8Array; metadata: ExportMetadata; nodes: number } {
  const { traceShape, metadata } = resolveExport(model, options, 'NCHW', 'exportOnnx');
  const view = new GraphView(traceGraph(model, traceShape), 'onnx');
  const graph = lowerToOnnxGraph(view, metadata.inputSize, metadata.normalization, 'dyrep');
  const proto = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: ONNX_PRODUCER,
    producerVersion: EXPORTER_VERSION,
    docString: `DyRep deployed model (${metadata.architecture})`,
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key: `dyrep.${key}`, value: typeof value === 'string' ? value : JSON.stringify(value) })),
  });
  return { bytes: onnx.ModelProto.encode(proto).finish(), metadata, nodes: graph.node?.length ?? 0 };
}

/** The `dyrep.*` metadata of ONNX bytes written by {@link toOnnxBytes}, or null when there is none. */
export function readOnnxMetadata(bytes: Uint8Array): ExportMetadata | null {
  const props = onnx.ModelProto.decode(bytes).metadataProps ?? [];
  const entries = props
    .filter((p) => p.key?.startsWith('dyrep.'))
    .map((p) => {
      const key = p.key!.slice('dyrep.'.length);
      const raw = p.value ?? '';
      try {
        return [key, JSON.parse(raw)];
      } catch {
        return [key, raw];
      }
    });
  return entries.length ? (Object.fromEntries(entries) as ExportMetadata) : null;
}
