// The Fashion-MNIST input pipeline shared by train, evaluate and the demo.

import * as torch from '../lib/index.js';

const { FASHION_MNIST_MEAN, FASHION_MNIST_STD } = torch.data;

/** The input pipeline; evaluation uses the same one without the random parts. */
export function transformFor(options: { augment?: boolean; resize?: number; rgb?: boolean }, train: boolean): torch.data.Transform {
  const transform: torch.data.Transform = { normalize: { mean: [FASHION_MNIST_MEAN], std: [FASHION_MNIST_STD] } };
  if (train && options.augment) Object.assign(transform, { randomCrop: { size: 28, padding: 2 }, randomHorizontalFlip: 0.5 });
  if (options.resize) transform.resize = [options.resize, options.resize];
  if (options.rgb) transform.grayscaleToRgb = true;
  return transform;
}
