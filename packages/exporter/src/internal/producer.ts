/** `producerName` of every ONNX file we write; `overwrite` replaces only such files. */
export const ONNX_PRODUCER = '@dyrep/exporter';
