// Grad mode: noGrad / enableGrad / inferenceMode scopes around synchronous
// code, setGradEnabled, and tensor gradient hooks.
//
// Grad mode is a per-thread flag in libtorch. JavaScript runs every async
// function on the same thread, interleaved at each `await`, so a scope cannot
// follow one async function across its awaits without leaking into whatever
// else runs meanwhile. The scopes therefore refuse async functions (and any
// function that returns a Promise) with a TypeError, instead of silently
// recording graphs after the first await as they used to. The one exception:
// a Promise from an operation that read the grad mode when it was called and
// carries it to its worker thread (Module.forwardAsync), so
// `noGrad(() => model.forwardAsync(x))` means what it says.

import { native } from './native.js';
import { describe, isAsyncFunction, isThenable, keep, Tensor, unwrap } from './tensor.js';

/** @internal Throws the TypeError the scopes give for async code. */
export function checkSync(op: string, fn: unknown): void {
  if (typeof fn !== 'function') throw new TypeError(`${op}: expected function for fn but received ${describe(fn)}`);
  if (isAsyncFunction(fn)) {
    throw new TypeError(
      `${op}: fn is an async function; grad mode is a per-thread flag that cannot follow an async function across its awaits. ` +
        `Call ${op} around each synchronous step instead, e.g. \`for await (const b of loader) { const y = torch.${op}(() => model.forward(b.x)); }\``,
    );
  }
}

const CAPTURED_GRAD_MODE = new WeakSet<object>();

/** @internal Marks a Promise whose work took the caller's grad mode with it when it was created. */
export function capturesGradMode<P extends Promise<unknown>>(promise: P): P {
  CAPTURED_GRAD_MODE.add(promise);
  return promise;
}

function runSync<R>(op: string, fn: () => R, run: () => R): R {
  checkSync(op, fn);
  const result = run();
  if (isThenable(result) && !CAPTURED_GRAD_MODE.has(result as object)) {
    throw new TypeError(`${op}: fn returned a Promise; ${op} covers synchronous code only (call it around each synchronous step)`);
  }
  return result;
}

function withGradMode<R>(op: string, enabled: boolean, fn: () => R): R {
  return runSync(op, fn, () => {
    const previous = native.setGradEnabled(enabled);
    try {
      return fn();
    } finally {
      native.setGradEnabled(previous);
    }
  });
}

/**
 * Runs `fn` with autograd off (torch.no_grad): nothing inside records a graph.
 * `fn` must be synchronous: an async function is a TypeError.
 * @example const logits = torch.noGrad(() => model.forward(x));
 */
export function noGrad<R>(fn: () => R): R {
  return withGradMode('noGrad', false, fn);
}

/** Runs `fn` with autograd on, even inside noGrad (torch.enable_grad). Synchronous only. */
export function enableGrad<R>(fn: () => R): R {
  return withGradMode('enableGrad', true, fn);
}

/**
 * Runs `fn` in inference mode (torch.inference_mode): no graph and no
 * version counting. Tensors made inside are inference tensors: they cannot
 * be used in autograd later, as in PyTorch. Synchronous only.
 * @example const probs = torch.inferenceMode(() => model.forward(x).softmax(1));
 */
export function inferenceMode<R>(fn: () => R, mode = true): R {
  if (typeof mode !== 'boolean') throw new TypeError(`inferenceMode: expected boolean for mode but received ${describe(mode)}`);
  return runSync('inferenceMode', fn, () => native.inferenceMode(fn, mode));
}

export function isInferenceModeEnabled(): boolean {
  return native.isInferenceModeEnabled();
}

/**
 * Turns autograd on or off for the code that follows (torch.set_grad_enabled);
 * returns the previous setting so it can be restored.
 * @example const previous = torch.setGradEnabled(false); ...; torch.setGradEnabled(previous);
 */
export function setGradEnabled(mode: boolean): boolean {
  if (typeof mode !== 'boolean') throw new TypeError(`setGradEnabled: expected boolean for mode but received ${describe(mode)}`);
  return native.setGradEnabled(mode);
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/** What registerHook returns: remove() unregisters the hook. */
export interface TensorHookHandle {
  remove(): void;
}

/**
 * Calls `hook(grad)` each time the gradient of `tensor` is computed
 * (tensor.register_hook); a returned tensor replaces the gradient. The
 * gradient handed to the hook is the hook's: tidy never disposes it.
 * @example const h = torch.registerHook(x, (g) => g.mul(2)); y.backward(); h.remove();
 */
export function registerHook(tensor: Tensor, hook: (grad: Tensor) => Tensor | undefined | void): TensorHookHandle {
  if (!(tensor instanceof Tensor)) throw new TypeError(`registerHook: expected Tensor for tensor but received ${describe(tensor)}`);
  if (typeof hook !== 'function') throw new TypeError(`registerHook: expected function for hook but received ${describe(hook)}`);
  const id = native.registerHook(unwrap(tensor), (grad) => {
    const replaced = hook(keep(Tensor._wrap(grad)));
    if (replaced === undefined || replaced === null) return undefined;
    if (!(replaced instanceof Tensor)) throw new TypeError(`registerHook: the hook must return a Tensor or undefined but returned ${describe(replaced)}`);
    return replaced._native;
  });
  let removed = false;
  return {
    remove: () => {
      if (removed || tensor.isDisposed) return;
      removed = true;
      native.removeHook(unwrap(tensor), id);
    },
  };
}

// Tensor methods that belong to autograd, added here so lib/tensor.ts stays the core.
declare module './tensor.js' {
  interface Tensor {
    /** Sets requiresGrad in place and returns this tensor (tensor.requires_grad_()). */
    requiresGrad_(requiresGrad?: boolean): this;
    /** tensor.register_hook: see torch.registerHook. */
    registerHook(hook: (grad: Tensor) => Tensor | undefined | void): TensorHookHandle;
  }
}

Tensor.prototype.requiresGrad_ = function requiresGrad_<T extends Tensor>(this: T, requiresGrad = true): T {
  if (typeof requiresGrad !== 'boolean') throw new TypeError(`requiresGrad_: expected boolean for requiresGrad but received ${describe(requiresGrad)}`);
  this.requiresGrad = requiresGrad;
  return this;
};

Tensor.prototype.registerHook = function (this: Tensor, hook: (grad: Tensor) => Tensor | undefined | void): TensorHookHandle {
  return registerHook(this, hook);
};
