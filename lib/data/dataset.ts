// In-memory image classification data: uint8 images [N, C, H, W] and int64 labels [N].

import { keep, type Tensor, tensor } from '../tensor.js';

export class TensorDataset {
  readonly images: Tensor;
  readonly labels: Tensor;
  readonly classes: readonly string[];

  /** Takes ownership of the two tensors (they are kept out of tidy scopes). */
  constructor(images: Tensor, labels: Tensor, classes: readonly string[] = []) {
    if (images.dtype !== 'uint8' || images.ndim !== 4) {
      throw new TypeError(`TensorDataset: images must be uint8 [N, C, H, W] but are ${images.dtype} [${images.shape.join(', ')}]`);
    }
    if (labels.dtype !== 'int64' || labels.ndim !== 1 || labels.shape[0] !== images.shape[0]) {
      throw new TypeError(`TensorDataset: labels must be int64 [${images.shape[0]}] but are ${labels.dtype} [${labels.shape.join(', ')}]`);
    }
    this.images = keep(images);
    this.labels = keep(labels);
    this.classes = classes;
  }

  get length(): number {
    return this.images.shape[0];
  }

  /** The first `n` samples (a copy), e.g. for a quick run. */
  head(n: number): TensorDataset {
    const count = Math.max(0, Math.min(n, this.length));
    const labels = this.labels.toArray() as BigInt64Array;
    const images = this.images.toArray() as Uint8Array;
    const per = this.images.shape.slice(1).reduce((a, b) => a * b, 1);
    return new TensorDataset(
      tensor(images.slice(0, count * per), [count, ...this.images.shape.slice(1)], { dtype: 'uint8' }),
      tensor(labels.slice(0, count), [count], { dtype: 'int64' }),
      this.classes,
    );
  }

  dispose(): void {
    this.images.dispose();
    this.labels.dispose();
  }
}
