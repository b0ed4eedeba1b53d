// Public API of @dyrep/models.
export { createModel, getModelInfo, listModels, registerModel } from './registry';
export type { ModelFactory, ModelInfo, ModelRegistration } from './registry';
export { STEM_TYPES, scaleChannels } from './options';
export type { ModelOptions, ResolvedModelOptions, StemType } from './options';
export { ImageModel } from './image-model';
export type { FeatureInfo, ImageModelLayout } from './image-model';
export { BasicBlock, Bottleneck, RESNET_SPECS, ResNet } from './families/resnet';
export type { ResNetBlockKind, ResNetSpec } from './families/resnet';
export { TorchvisionVgg, VGG16_CONFIG, Vgg } from './families/vgg';
export type { VggConfig } from './families/vgg';
export { MOBILENET_V1_BLOCKS, MobileNetV1 } from './families/mobilenet-v1';
export { REPVGG_A0_SPEC, RepVgg } from './families/repvgg';
export type { RepVggSpec } from './families/repvgg';
