// Public API of @dyrep/data.
export { DataError } from './data-error';
export type { DataErrorCode } from './data-error';
export { createInMemoryDataset, takeFirst, labelHistogram, findLabelOutOfRange } from './dataset';
export type { Dataset, DatasetInit, ImageArray, ImageShape } from './dataset';
export { DataLoader, batches } from './data-loader';
export type { Batch, DataLoaderOptions, DataLoaderState } from './data-loader';
export { parseIdx, readIdxFile, readIdxDataset, readIdxSplit, idxFileStems, idxFileCandidates } from './idx';
export type { IdxArray, IdxDatasetFiles } from './idx';
export {
  resolveDatasetDir,
  resolveFashionMnistDir,
  resolveMnistDir,
  DATA_DIR_ENV,
  SYSTEM_DATASETS_DIR,
} from './resolve-data-dir';
export type { DataDirSource, ResolvedDataDir, ResolveDataDirOptions, DatasetDirSpec } from './resolve-data-dir';
export { loadFashionMnist, FASHION_MNIST_CLASSES } from './fashion-mnist';
export type { IdxLoadOptions } from './fashion-mnist';
export { loadMnist, MNIST_CLASSES } from './mnist';
export {
  parseCifarBinary,
  readCifarFile,
  loadCifar10,
  loadCifar100,
  resolveCifar10Dir,
  resolveCifar100Dir,
  cifar100Format,
  CIFAR10_FORMAT,
  CIFAR10_CLASSES,
  CIFAR100_CLASSES,
  CIFAR100_COARSE_CLASSES,
} from './cifar';
export type { CifarFormat, CifarRecords, CifarLoadOptions } from './cifar';
export { loadImageFolder, IMAGE_EXTENSIONS } from './image-folder';
export type { ImageFolderOptions } from './image-folder';
export { resizeBilinear } from './resize-bilinear';
export { createSyntheticDataset } from './synthetic';
export type { SyntheticOptions } from './synthetic';
export { createDataset, listDatasets, registerDataset } from './registry';
export type { CreateDatasetOptions, DatasetFactory } from './registry';
export {
  DATASET_STATS,
  FASHION_MNIST_STATS,
  MNIST_STATS,
  CIFAR10_STATS,
  CIFAR100_STATS,
  IMAGENET_STATS,
} from './dataset-stats';
export type { ChannelStats } from './dataset-stats';
export { applyTransforms } from './transforms/batch-transform';
export type { BatchTransform, HostBatch } from './transforms/batch-transform';
export { normalize } from './transforms/normalize';
export { randomCrop } from './transforms/random-crop';
export type { RandomCropOptions } from './transforms/random-crop';
export { randomHorizontalFlip } from './transforms/random-horizontal-flip';
export { cutout } from './transforms/cutout';
export type { CutoutOptions } from './transforms/cutout';
export { trainTransforms, evalTransforms, pipelineNormalization } from './transforms/pipelines';
export type { PipelineName, PipelineOptions } from './transforms/pipelines';
export { decodeImage } from './decode-image';
export type { DecodedImage, ImageChannels } from './decode-image';
