/** Per-channel mean and standard deviation of a dataset's pixels, in [0, 1] units. */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Fashion-MNIST training set (checked against the files in the tests). */
export const FASHION_MNIST_STATS: ChannelStats = Object.freeze({ mean: [0.2860406], std: [0.3530242] });
/** MNIST training set. */
export const MNIST_STATS: ChannelStats = Object.freeze({ mean: [0.1306605], std: [0.3081078] });
/** CIFAR-10 training set, RGB. */
export const CIFAR10_STATS: ChannelStats = Object.freeze({ mean: [0.4913997, 0.4821584, 0.4465309], std: [0.2470322, 0.2434851, 0.2615876] });
/** CIFAR-100 training set, RGB. */
export const CIFAR100_STATS: ChannelStats = Object.freeze({ mean: [0.5070752, 0.4865486, 0.4409178], std: [0.2673342, 0.2564384, 0.2761504] });
/** ImageNet (ILSVRC-2012) training set, RGB: the usual torchvision constants. */
export const IMAGENET_STATS: ChannelStats = Object.freeze({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });

/** Normalisation statistics by dataset name. */
export const DATASET_STATS: Readonly<Record<'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100' | 'imagenet', ChannelStats>> = Object.freeze({
  'fashion-mnist': FASHION_MNIST_STATS,
  mnist: MNIST_STATS,
  cifar10: CIFAR10_STATS,
  cifar100: CIFAR100_STATS,
  imagenet: IMAGENET_STATS,
});
