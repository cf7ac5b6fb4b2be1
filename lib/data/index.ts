// Data: idx reader, Fashion-MNIST, TensorDataset and the prefetching DataLoader.
export { type Batch, type BatchOf, DataLoader, type DataLoaderOptions, type Transform } from './dataloader.js';
export { ConcatDataset, type Dataset, randomSplit, type SampleOf, Subset, TensorDataset } from './dataset.js';
export { collate, type Collated } from './collate.js';
export { RandomSampler, type Sampler, SequentialSampler, WeightedRandomSampler } from './sampler.js';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_MEAN, FASHION_MNIST_STD, loadFashionMNIST } from './fashion-mnist.js';
export { type IdxArray, readIdx } from './idx.js';
export { Random } from './random.js';
export { DistributedSampler } from './sampler.js';
