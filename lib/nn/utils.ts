// torch.nn.utils: gradient clipping and parameter <-> vector conversions,
// with PyTorch 1.13's arithmetic (the clipping runs in native/grad_utils.cc).

import { native } from '../native.js';
import { cat, checkOptions, describe, Tensor, tidy, unwrap } from '../tensor.js';

function tensorList(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters === null || typeof parameters !== 'object' || !(Symbol.iterator in parameters)) {
    throw new TypeError(`${op}: expected a Tensor or an iterable of Tensors for parameters but received ${describe(parameters)}`);
  }
  const list = [...parameters];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: expected Tensor for parameters[${i}] but received ${describe(p)}`);
  });
  return list;
}

function finiteNumber(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${op}: expected number for ${name} but received ${describe(value)}`);
  return value;
}

/**
 * Scales the gradients in place so that their norm, taken over all of them as
 * one vector, is at most maxNorm (torch.nn.utils.clip_grad_norm_, bit for bit).
 * Returns the total norm before clipping (a 0-d tensor).
 * @example const norm = nn.utils.clipGradNorm_(model.parameters(), 1.0); // normType: 2 (default), Infinity, 1, ...
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  options: { normType?: number; errorIfNonfinite?: boolean } = {},
): Tensor {
  checkOptions('clipGradNorm_', options, ['normType', 'errorIfNonfinite']);
  const params = tensorList('clipGradNorm_', parameters);
  const max = finiteNumber('clipGradNorm_', 'maxNorm', maxNorm);
  const normType = finiteNumber('clipGradNorm_', 'normType', options.normType ?? 2);
  const errorIfNonfinite = options.errorIfNonfinite ?? false;
  if (typeof errorIfNonfinite !== 'boolean') throw new TypeError(`clipGradNorm_: expected boolean for errorIfNonfinite but received ${describe(errorIfNonfinite)}`);
  return new Tensor(native.clipGradNorm_(params.map(unwrap), max, normType, errorIfNonfinite));
}

/**
 * Clamps every gradient in place to [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_).
 * @example nn.utils.clipGradValue_(model.parameters(), 0.5)
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const params = tensorList('clipGradValue_', parameters);
  native.clipGradValue_(params.map(unwrap), finiteNumber('clipGradValue_', 'clipValue', clipValue));
}

/**
 * The parameters flattened and concatenated into one 1-D tensor (a copy).
 * @example const flat = nn.utils.parametersToVector(model.parameters());
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const params = tensorList('parametersToVector', parameters);
  if (params.length === 0) throw new RangeError('parametersToVector: got no parameters');
  const device = params[0].device;
  params.forEach((p, i) => {
    if (p.device !== device) throw new RangeError(`parametersToVector: parameters[${i}] is on ${p.device} but parameters[0] is on ${device}`);
  });
  return tidy(() => cat(params.map((p) => p.view(-1))));
}

/**
 * Copies slices of `vec` into the parameters (torch.nn.utils.vector_to_parameters):
 * each parameter's data becomes a view of `vec`, as in PyTorch.
 * @example nn.utils.vectorToParameters(flat, model.parameters());
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  if (!(vec instanceof Tensor)) throw new TypeError(`vectorToParameters: expected Tensor for vec but received ${describe(vec)}`);
  const params = tensorList('vectorToParameters', parameters);
  native.vectorToParameters(unwrap(vec), params.map(unwrap));
}
