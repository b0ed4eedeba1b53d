// Public API of @dyrep/weights (browser-safe: everything works on bytes; reading files is the caller's).
export { parseSafetensors, encodeSafetensors, readFloat32 } from './safetensors';
export type { SafetensorsFile, SafetensorsEntry, TensorToWrite } from './safetensors';
export type { SafetensorsDtype } from './dtypes';
export { WeightsError } from './weights-error';
export { IMAGENET_NORMALIZATION, INCEPTION_NORMALIZATION, listPretrainedArchitectures, pretrainedArchitecture } from './architectures';
export type { CheckpointInOurLayout, InputNormalization, PretrainedArchitecture } from './architectures';
export { adaptInputConv, adaptInputKernel, adaptNormalization } from './adapt-input-conv';
export { loadPretrained, readNormalization, NORMALIZATION_METADATA_KEY } from './load-pretrained';
export type { LoadPretrainedOptions, LoadPretrainedReport } from './load-pretrained';
export { torchStateDict, toTorchSafetensors } from './torch-state-dict';
export type { TorchSafetensorsOptions } from './torch-state-dict';
