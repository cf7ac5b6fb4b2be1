// The fast inference mode: optimizeForInference(model, { example }).
//
// The model's forward is recorded once (libtorch's JIT tracer, as forwardAsync
// records it) and frozen in C++ (native/inference.cc), which folds BatchNorm
// into the conv weights. The frozen graph then runs on one of two backends:
// 'onednn', our own chain of oneDNN primitives with conv + ReLU and
// conv + add + ReLU fused (native/inference_onednn.cc; where the build has it
// and the graph has only the ops it runs), or 'torchscript', exactly PyTorch's
// `torch.jit.optimize_for_inference(torch.jit.freeze(traced))` (oneDNN weights
// prepacked once, activations in its blocked layout, ReLU and the residual add
// separate passes, in 1.13 as in 2.15). With dynamicBatch, one module serves
// every batch size.

import { noGrad } from './autograd.js';
import { native, type NativeTensor } from './native.js';
import { Module } from './nn/module.js';
import { getNumThreads } from './runtime.js';
import { cat, checkOptions, describe, Tensor, tidy } from './tensor.js';

/** Options of optimizeForInference. */
export interface OptimizeForInferenceOptions {
  /** An input of the shape and dtype every call will have (the forward is recorded on it). */
  example: Tensor;
  /**
   * Accept any batch size (the first dimension), not only the example's: one
   * optimized module (one copy of the prepacked weights) for every batch a
   * server forms. Checked when optimizing: the forward must not have fixed the
   * batch size while it was recorded (see optimizeForInference). Default false.
   */
  dynamicBatch?: boolean;
  /**
   * Which backend runs the frozen graph: 'onednn' (oneDNN primitives with conv + ReLU and
   * conv + add + ReLU fused; throws, naming the reason, where it cannot run the model),
   * 'torchscript' (PyTorch's optimize_for_inference), or 'auto' (default): 'onednn' where it can
   * run the model, else 'torchscript'. The module's `backend` and `backendReason` say which ran.
   */
  backend?: 'auto' | 'onednn' | 'torchscript';
}

/** What optimizeForInference returns: forward and forwardAsync on inputs shaped like the example. */
export interface InferenceModule {
  /** Runs the optimized forward on the JS thread. */
  forward(input: Tensor): Tensor;
  /** Runs the optimized forward on a libuv worker thread (the JS thread stays free). */
  forwardAsync(input: Tensor): Promise<Tensor>;
  /** The input shape every call must have (the example's; with dynamicBatch the first dimension may differ). */
  readonly inputShape: readonly number[];
  /** Whether inputs may have any batch size (the dynamicBatch option). */
  readonly dynamicBatch: boolean;
  /** The backend that runs it (see OptimizeForInferenceOptions.backend). */
  readonly backend: 'onednn' | 'torchscript';
  /** Why it is not 'onednn' (e.g. "aten::sigmoid is not supported"); '' when it is. */
  readonly backendReason: string;
}

const OP = 'optimizeForInference';

/**
 * How far a dynamicBatch module's rows may move when the same inputs are run in
 * a batch of another size, relative to the output range: oneDNN may pick
 * another kernel for another batch size, which sums the same products in
 * another order (a few float32 ulps; resnet50 measured bit-identical from batch
 * 1 to 16). A forward that fixed the batch size while it was recorded fails or
 * moves rows by the order of the range itself.
 */
const DYNAMIC_BATCH_BOUND = 1e-4;

interface NativeOptimized {
  handle: object;
  backend: 'onednn' | 'torchscript';
  reason: string;
}

class OptimizedModule implements InferenceModule {
  readonly inputShape: readonly number[];
  readonly dynamicBatch: boolean;
  readonly backend: 'onednn' | 'torchscript';
  readonly backendReason: string;
  readonly #handle: object;
  readonly #dtype: string;
  readonly #device: string;

  constructor({ handle, backend, reason }: NativeOptimized, example: Tensor, dynamicBatch: boolean) {
    this.#handle = handle;
    this.backend = backend;
    this.backendReason = reason;
    this.inputShape = Object.freeze([...example.shape]);
    this.dynamicBatch = dynamicBatch;
    this.#dtype = example.dtype;
    this.#device = example.device;
  }

  #check(input: unknown): NativeTensor {
    if (!(input instanceof Tensor)) throw new TypeError(`${OP}: expected Tensor for input but received ${describe(input)}`);
    if (input.isDisposed) throw new Error(`${OP}: the input is a disposed Tensor`);
    const shape = input.shape;
    const fits = (s: number, i: number) => s === this.inputShape[i] || (i === 0 && this.dynamicBatch && s > 0);
    if (shape.length !== this.inputShape.length || !shape.every(fits) || input.dtype !== this.#dtype || input.device !== this.#device) {
      const expected = this.dynamicBatch ? ['N', ...this.inputShape.slice(1)] : this.inputShape;
      const advice = this.dynamicBatch ? 'optimize once per input shape (only the batch size may vary)' : 'optimize once per input shape, or with { dynamicBatch: true }';
      throw new RangeError(
        `${OP}: the module was optimized for ${this.#dtype} input of shape [${expected.join(', ')}] on ${this.#device} but received ${input.dtype} [${shape.join(', ')}] on ${input.device}; ${advice}`,
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
 * once, activations kept in oneDNN's blocked layout between layers, and on the
 * 'onednn' backend conv + ReLU and conv + add + ReLU fused into one oneDNN
 * primitive each (see the `backend` option; the 'torchscript' backend is
 * PyTorch's `torch.jit.freeze` + `torch.jit.optimize_for_inference`, done from
 * C++). The model must be in eval mode, without hooks, with a
 * forward taking one Tensor and returning one, whose control flow depends
 * only on the input's shape (what tracing requires). Later changes to the
 * model's weights are not seen: optimize again.
 *
 * With `dynamicBatch: true`, inputs of any batch size are accepted. The
 * recorded forward must then not have fixed the batch size: a shape read in
 * JavaScript (`x.shape[0]`) is a plain number, recorded as a constant, so
 * `x.reshape([x.shape[0], -1])` fixes it where `x.flatten(1)` does not. This
 * is checked here, by running the example twice over in one batch; a forward
 * that fails it is refused.
 *
 * Not bit-exact with `model.forward`: the folded BatchNorm and oneDNN's
 * kernels add the same terms in another order (float sums are not
 * associative), so outputs differ in the last bits (see
 * test/fast-inference.test.ts for the bound).
 * @example
 * model.eval();
 * const fast = torch.optimizeForInference(model, { example: torch.zeros([8, 3, 224, 224]), dynamicBatch: true });
 * const logits = await fast.forwardAsync(x); // x: [n, 3, 224, 224], any n
 */
export function optimizeForInference(model: Module, options: OptimizeForInferenceOptions): InferenceModule {
  if (!(model instanceof Module)) throw new TypeError(`${OP}: expected Module for model but received ${describe(model)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`${OP}: expected an options object { example } but received ${describe(options)}`);
  checkOptions(OP, options, ['example', 'dynamicBatch', 'backend']);
  const { example, dynamicBatch = false, backend = 'auto' } = options;
  if (!(example instanceof Tensor)) throw new TypeError(`${OP}: expected Tensor for example but received ${describe(example)}`);
  if (example.isDisposed) throw new Error(`${OP}: the example is a disposed Tensor`);
  if (typeof dynamicBatch !== 'boolean') throw new TypeError(`${OP}: expected boolean for dynamicBatch but received ${describe(dynamicBatch)}`);
  if (!['auto', 'onednn', 'torchscript'].includes(backend as string)) {
    throw new RangeError(`${OP}: backend must be 'auto', 'onednn' or 'torchscript' but received ${typeof backend === 'string' ? `'${backend}'` : describe(backend)}`);
  }
  if (dynamicBatch && example.dim() === 0) throw new RangeError(`${OP}: dynamicBatch needs an example with a batch dimension but received a 0-d Tensor`);
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
  // Optimizing is a one-off whose freed blocks no forward asks for again, but the caching allocator
  // would keep them for a window or two (resnet50 batch 8: the state dict the weights were loaded
  // from, the traced forward's activations, the folded weights; ~200 MB above the steady state,
  // which was the peak). Each is given back once done with; the warm-up forwards below then cache
  // what a forward reuses.
  native.cpuEmptyCache(); // what came before, e.g. the state dict the model was loaded from
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
    native.cpuEmptyCache(); // the traced forward's activations
    const optimized = native.inferenceOptimize(plan, named.map(([name]) => name), state, example._native, backend) as NativeOptimized;
    native.cpuEmptyCache(); // the BatchNorm-folded copies of the weights, prepacked now
    const fast = new OptimizedModule(optimized, example, dynamicBatch);
    // The first runs compile and profile the graph: pay for them now, not on the first request.
    fast.forward(example).dispose();
    const output = fast.forward(example);
    try {
      if (dynamicBatch) checkBatchFree(fast, example, output, model);
    } finally {
      output.dispose();
    }
    return fast;
  });
}

/**
 * dynamicBatch: the example twice over, as one batch, must give the example's
 * outputs (`once`) twice over (within DYNAMIC_BATCH_BOUND). A forward that
 * fixed the batch size when recorded fails here instead of on a server's first
 * odd batch.
 */
function checkBatchFree(fast: OptimizedModule, example: Tensor, once: Tensor, model: Module): void {
  const n = example.shape[0];
  const refuse = (problem: string): never => {
    throw new Error(
      `${OP}: dynamicBatch: ${model.constructor.name}.forward, recorded at batch ${n}, ${problem}. It fixed the batch size when recorded ` +
        '(a shape read in JavaScript, like x.shape[0], is recorded as a constant): use flatten(1) or -1 instead, or optimize once per batch size',
    );
  };
  tidy(() => {
    let twice: Tensor;
    try {
      twice = fast.forward(cat([example, example], 0));
    } catch (error) {
      // The interpreter's message ends with the op's own error, after its TorchScript traceback.
      const cause = (error as Error).message.trim().split('\n').pop()!.replace(/^\w*Error: /, '');
      return refuse(`fails at batch ${2 * n} (${cause})`);
    }
    const expected = [2 * n, ...once.shape.slice(1)];
    if (twice.dim() !== expected.length || twice.shape.some((s, i) => s !== expected[i])) {
      return refuse(`returns shape [${twice.shape.join(', ')}] at batch ${2 * n} where [${expected.join(', ')}] was expected`);
    }
    const range = once.max().item() - once.min().item();
    const moved = Math.max(...[0, n].map((start) => twice.narrow(0, start, n).sub(once).abs().max().item()));
    if (!(moved <= DYNAMIC_BATCH_BOUND * range)) {
      return refuse(`gives other outputs for the same inputs at batch ${2 * n} (max |difference| ${moved.toExponential(2)}, output range ${range.toExponential(2)})`);
    }
  });
}
