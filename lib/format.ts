// PyTorch-like printing: tensor([[ 1.5410, -0.2934], ...], dtype=float64).

import type { Tensor } from './tensor.js';

const EDGE = 3; // elements shown at each end of a summarized dimension
const SUMMARIZE_ABOVE = 1000;

function halfToFloat(bits: number, bfloat: boolean): number {
  if (bfloat) {
    const view = new DataView(new ArrayBuffer(4));
    view.setUint32(0, bits << 16);
    return view.getFloat32(0);
  }
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function elementStrings(t: Tensor): string[] {
  const data = t.toArray();
  const dtype = t.dtype;
  if (dtype === 'bool') return Array.from(data as Uint8Array, (v) => (v ? 'True' : 'False'));
  if (dtype === 'int64' || dtype === 'int32' || dtype === 'uint8') return Array.from(data as ArrayLike<number | bigint>, (v) => String(v));
  const values =
    dtype === 'float16' || dtype === 'bfloat16'
      ? Array.from(data as Uint16Array, (b) => halfToFloat(b, dtype === 'bfloat16'))
      : Array.from(data as Float32Array | Float64Array);
  const finite = values.filter((v) => Number.isFinite(v));
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.filter((v) => v !== 0).reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
  const scientific = finite.length > 0 && (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity));
  const allIntegral = finite.every((v) => Number.isInteger(v));
  return values.map((v) => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (scientific) return v.toExponential(4);
    if (allIntegral) return `${v}.`;
    return v.toFixed(4);
  });
}

export function formatTensor(t: Tensor): string {
  if (t.isDisposed) return 'tensor(<disposed>)';
  const shape = t.shape;
  const strings = elementStrings(t);
  const width = strings.reduce((w, s) => Math.max(w, s.length), 0);
  const summarize = strings.length > SUMMARIZE_ABOVE;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));

  const render = (dim: number, offset: number, indent: string): string => {
    if (dim === shape.length) return strings[offset].padStart(width);
    const n = shape[dim];
    const indices =
      summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    const parts = indices.map((i) => (i < 0 ? '...' : render(dim + 1, offset + i * strides[dim], indent + ' ')));
    const separator = dim === shape.length - 1 ? ', ' : ',' + '\n'.repeat(shape.length - dim - 1) + indent + ' ';
    return '[' + parts.join(separator) + ']';
  };

  const body = render(0, 0, '       ');
  const extras: string[] = [];
  if (t.dtype !== 'float32' && t.dtype !== 'int64' && t.dtype !== 'bool') extras.push(`dtype=${t.dtype}`);
  if (t.device !== 'cpu') extras.push(`device='${t.device}'`);
  if (t.requiresGrad) extras.push(t.isLeaf ? 'requires_grad=True' : 'grad_fn=<...>');
  if (shape.length > 0 && shape.some((d) => d === 0)) extras.push(`size=[${shape.join(', ')}]`);
  return `tensor(${body}${extras.map((e) => ', ' + e).join('')})`;
}
