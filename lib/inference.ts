// The fast inference mode: optimizeForInference(model, { example }).
//
// The model's forward is recorded once (libtorch's JIT tracer, as forwardAsync
// records it), then frozen and optimized in C++ (native/inference.cc) exactly
// as PyTorch's `torch.jit.optimize_for_inference(torch.jit.freeze(traced))`:
// BatchNorm folded into the conv weights, oneDNN weights prepacked once,
// activations kept in oneDNN's blocked layout between layers, conv + ReLU and
// conv + add fused.

import { noGrad } from './autograd.js';
import { native, type NativeTensor } from './native.js';
import { Module } from './nn/module.js';
import { getNumThreads } from './runtime.js';
import { checkOptions, describe, Tensor, tidy } from './tensor.js';

/** Options of optimizeForInference. */
export interface OptimizeForInferenceOptions {
  /** An input of the shape and dtype every call will have (the forward is recorded on it). */
  example: Tensor;
}

/** What optimizeForInference returns: forward and forwardAsync on inputs shaped like the example. */
export interface InferenceModule {
  /** Runs the optimized forward on the JS thread. */
  forward(input: Tensor): Tensor;
  /** Runs the optimized forward on a libuv worker thread (the JS thread stays free). */
  forwardAsync(input: Tensor): Promise<Tensor>;
  /** The input shape every call must have (the example's). */
  readonly inputShape: readonly number[];
}

const OP = 'optimizeForInference';

class OptimizedModule implements InferenceModule {
  readonly inputShape: readonly number[];
  readonly #handle: object;
  readonly #dtype: string;
  readonly #device: string;

  constructor(handle: object, example: Tensor) {
    this.#handle = handle;
    this.inputShape = Object.freeze([...example.shape]);
    this.#dtype = example.dtype;
    this.#device = example.device;
  }

  #check(input: unknown): NativeTensor {
    if (!(input instanceof Tensor)) throw new TypeError(`${OP}: expected Tensor for input but received ${describe(input)}`);
    if (input.isDisposed) throw new Error(`${OP}: the input is a disposed Tensor`);
    const shape = input.shape;
    if (shape.length !== this.inputShape.length || shape.some((s, i) => s !== this.inputShape[i]) || input.dtype !== this.#dtype || input.device !== this.#device) {
      throw new RangeError(
        `${OP}: the module was optimized for ${this.#dtype} input of shape [${this.inputShape.join(', ')}] on ${this.#device} but received ${input.dtype} [${shape.join(', ')}] on ${input.device}; optimize once per input shape`,
      );
    }
    return input._native;
  }

  forward(input: Tensor): Tensor {
    return new Tensor(native.inferenceRun(this.#handle, this.#check(input)));
  }

  forwardAsync(input: Tensor): Promise<Tensor> {
    try {
      return native.inferenceRunAsync(this.#handle, this.#check(input), getNumThreads()).then((h) => new Tensor(h));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * A faster, inference-only version of `model` for inputs shaped like
 * `example`: BatchNorm folded into the convolutions, oneDNN weights prepacked
 * once, activations kept in oneDNN's blocked layout between layers, conv +
 * ReLU and conv + add fused (PyTorch's `torch.jit.freeze` +
 * `torch.jit.optimize_for_inference`, done from C++). The model must be in
 * eval mode, without hooks, with a forward taking one Tensor and returning
 * one, whose control flow depends only on the input's shape (what tracing
 * requires). Later changes to the model's weights are not seen: optimize again.
 *
 * Not bit-exact with `model.forward`: the folded BatchNorm and oneDNN's
 * kernels add the same terms in another order (float sums are not
 * associative), so outputs differ in the last bits (see
 * test/fast-inference.test.ts for the bound).
 * @example
 * model.eval();
 * const fast = torch.optimizeForInference(model, { example: torch.zeros([1, 3, 224, 224]) });
 * const logits = await fast.forwardAsync(x);
 */
export function optimizeForInference(model: Module, options: OptimizeForInferenceOptions): InferenceModule {
  if (!(model instanceof Module)) throw new TypeError(`${OP}: expected Module for model but received ${describe(model)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`${OP}: expected an options object { example } but received ${describe(options)}`);
  checkOptions(OP, options, ['example']);
  const { example } = options;
  if (!(example instanceof Tensor)) throw new TypeError(`${OP}: expected Tensor for example but received ${describe(example)}`);
  if (example.isDisposed) throw new Error(`${OP}: the example is a disposed Tensor`);
  const modules = model.modules();
  if (modules.some((m) => m.training)) {
    throw new Error(`${OP}: the model is in training mode (BatchNorm would use batch statistics); call model.eval() first`);
  }
  const hooked = modules.find((m) => m._hasForwardHooks());
  if (hooked !== undefined) {
    throw new Error(`${OP}: ${hooked.constructor.name} has hooks, which run in JavaScript and cannot be part of the optimized forward; remove them or use forward`);
  }
  const named = [...model.namedParameters(), ...model.namedBuffers()];
  named.forEach(([name, t]) => {
    if (t.isDisposed) throw new Error(`${OP}: the model's '${name}' is disposed`);
  });
  const state = named.map(([, t]) => t._native);
  return noGrad(() => {
    let produced: Tensor | null = null;
    const { plan, outputs } = native.jitTrace((traced) => {
      const result: unknown = tidy(() => (model as Module<[Tensor], unknown>).forward(new Tensor(traced[state.length])));
      if (!(result instanceof Tensor)) {
        throw new TypeError(`${OP}: ${model.constructor.name}.forward must return one Tensor, but returned ${describe(result)}`);
      }
      produced = result;
      return result._native;
    }, [...state, example._native]);
    // The native side holds the traced result now; our wrappers can go.
    (produced as Tensor | null)?.dispose();
    for (const o of outputs) o.dispose();
    const handle = native.inferenceOptimize(plan, named.map(([name]) => name), state);
    const fast = new OptimizedModule(handle, example);
    // The first runs compile and profile the graph: pay for them now, not on the first request.
    for (let i = 0; i < 2; i++) fast.forward(example).dispose();
    return fast;
  });
}
