// Options PyTorch's optimizers carry to pick an implementation (foreach,
// capturable, differentiable, fused). Only the single-tensor path, the default
// on CPU and the one that is bit-exact here, exists: other values are refused
// rather than ignored.

import type { ParamGroup } from './optimizer.js';

export function checkSingleTensorOptions(op: string, g: ParamGroup): void {
  if ('foreach' in g && g.foreach !== null && g.foreach !== false) {
    throw new RangeError(`${op}: foreach=${String(g.foreach)} is not supported (only the single-tensor implementation: foreach null or false)`);
  }
  for (const key of ['capturable', 'differentiable', 'fused']) {
    if (key in g && g[key] !== false) throw new RangeError(`${op}: ${key}=${String(g[key])} is not supported (only false)`);
  }
}
