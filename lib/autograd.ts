// Grad mode: noGrad / enableGrad scopes around synchronous code.

import { native } from './native.js';
import { describe } from './tensor.js';

function withGradMode<R>(op: string, enabled: boolean, fn: () => R): R {
  if (typeof fn !== 'function') throw new TypeError(`${op}: expected function for fn but received ${describe(fn)}`);
  const previous = native.setGradEnabled(enabled);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/**
 * Runs `fn` with autograd off (torch.no_grad): nothing inside records a graph.
 * Covers the synchronous part of `fn` only.
 * @example const logits = torch.noGrad(() => model.forward(x));
 */
export function noGrad<R>(fn: () => R): R {
  return withGradMode('noGrad', false, fn);
}

/** Runs `fn` with autograd on, even inside noGrad (torch.enable_grad). */
export function enableGrad<R>(fn: () => R): R {
  return withGradMode('enableGrad', true, fn);
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
