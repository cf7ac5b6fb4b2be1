// Fashion-MNIST from the idx files Debian's dataset-fashion-mnist installs.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { tensor } from '../tensor.js';
import { TensorDataset } from './dataset.js';
import { readIdx } from './idx.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/** Per-channel statistics of the training images (after scaling to [0, 1]). */
export const FASHION_MNIST_MEAN = 0.2860;
export const FASHION_MNIST_STD = 0.3530;

function find(dir: string, stem: string): string {
  for (const name of [`${stem}.gz`, stem]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(
    `loadFashionMNIST: ${join(dir, stem)}.gz not found. Install Debian's dataset-fashion-mnist ` +
      `(apt-get install dataset-fashion-mnist) or pass the folder that holds the idx files.`,
  );
}

/**
 * The training (60 000) or test (10 000) split as uint8 images [N, 1, 28, 28] and int64 labels.
 * @example const train = loadFashionMNIST({ split: 'train' });
 */
export function loadFashionMNIST(options: { split: 'train' | 'test'; dir?: string }): TensorDataset {
  const dir = options.dir ?? FASHION_MNIST_DIR;
  const prefix = options.split === 'train' ? 'train' : options.split === 'test' ? 't10k' : null;
  if (prefix === null) throw new RangeError(`loadFashionMNIST: split must be 'train' or 'test' but received '${String(options.split)}'`);
  const imagesPath = find(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = find(dir, `${prefix}-labels-idx1-ubyte`);
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.shape.length !== 3) throw new Error(`loadFashionMNIST: ${imagesPath}: expected 3 dimensions (N, H, W) but found ${images.shape.length}`);
  if (labels.shape.length !== 1) throw new Error(`loadFashionMNIST: ${labelsPath}: expected 1 dimension but found ${labels.shape.length}`);
  if (labels.shape[0] !== images.shape[0]) {
    throw new Error(`loadFashionMNIST: ${labelsPath} has ${labels.shape[0]} labels but ${imagesPath} has ${images.shape[0]} images`);
  }
  const bad = labels.data.findIndex((v) => v >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new Error(`loadFashionMNIST: ${labelsPath}: label ${labels.data[bad]} at index ${bad} is not a class (0-9)`);
  const [n, h, w] = images.shape;
  return new TensorDataset(
    tensor(images.data, [n, 1, h, w], { dtype: 'uint8' }),
    tensor(BigInt64Array.from(labels.data, (v) => BigInt(v)), [n], { dtype: 'int64' }),
    FASHION_MNIST_CLASSES,
  );
}
