// nn.Sequential: children named "0", "1", ... (so keys read "layer1.0.conv1.weight").

import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * Runs its modules one after the other.
 * @example new nn.Sequential(conv1x1(64, 256), new nn.BatchNorm2d(256)) // keys "0.weight", "1.running_mean", ...
 */
export class Sequential extends Module {
  #length = 0;

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end, under the next index. */
  append(module: Module): this {
    this.registerModule(String(this.#length), module);
    this.#length += 1;
    return this;
  }

  get length(): number {
    return this.#length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module {
    const i = index < 0 ? this.#length + index : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#length) throw new RangeError(`Sequential: index ${index} is out of range for ${this.#length} modules`);
    return (this as unknown as Record<string, Module>)[String(i)];
  }

  *[Symbol.iterator](): IterableIterator<Module> {
    for (let i = 0; i < this.#length; i++) yield this.at(i);
  }

  forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this) {
      const y = m.forward(x);
      // Drop our handle on an intermediate as soon as the next child has used
      // it, as Python drops a temporary: autograd keeps what it saved and frees
      // it during backward, so peak memory stays PyTorch's (and so do the page
      // faults and the step time).
      if (x !== input && y !== x) x.dispose();
      x = y;
    }
    return x;
  }
}
