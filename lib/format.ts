// PyTorch-like printing: tensor([[ 1.5410, -0.2934], ...], dtype=float64).
//
// Follows torch/_tensor_str.py (PyTorch's default print options: precision 4,
// threshold 1000, edgeitems 3, linewidth 80): the same choice between fixed,
// integer and scientific notation (scientific when the nonzero magnitudes span
// more than 1000x, exceed 1e8 or go below 1e-4), widths taken from the elements
// actually shown, rows wrapped at 80 columns and big tensors summarized with
// '...'. Dtype names in the suffix are this library's ('float64').

import type { Tensor } from './tensor.js';

const PRECISION = 4;
const EDGE = 3; // elements shown at each end of a summarized dimension
const SUMMARIZE_ABOVE = 1000;
const LINE_WIDTH = 80;

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

interface Formatter {
  width: number;
  format(value: number | bigint): string;
}

// Python's '{:.Nf}' (keeps the sign of -0) and '{:.Ne}' (two-digit exponent).
function fixed(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return (Object.is(v, -0) ? '-' : '') + v.toFixed(digits);
}

function scientific(v: number): string {
  if (!Number.isFinite(v)) return fixed(v, 0);
  return (Object.is(v, -0) ? '-' : '') + v.toExponential(PRECISION).replace(/e([+-])(\d)$/, 'e$10$2');
}

// torch._tensor_str._Formatter, for floating point elements.
function floatFormatter(shown: number[]): Formatter {
  const nonzeroFinite = shown.filter((v) => Number.isFinite(v) && v !== 0);
  let intMode = true;
  let sciMode = false;
  let width = 1;
  if (nonzeroFinite.length > 0) {
    const magnitudes = nonzeroFinite.map(Math.abs);
    const max = Math.max(...magnitudes);
    const min = Math.min(...magnitudes);
    intMode = nonzeroFinite.every((v) => v === Math.ceil(v));
    sciMode = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4);
    for (const v of nonzeroFinite) {
      const s = sciMode ? scientific(v) : intMode ? fixed(v, 0) + '.' : fixed(v, PRECISION);
      width = Math.max(width, s.length);
    }
  }
  return {
    width,
    format(value) {
      const v = Number(value);
      let s: string;
      if (sciMode) s = scientific(v);
      else if (intMode) s = fixed(v, 0) + (Number.isFinite(v) ? '.' : '');
      else s = fixed(v, PRECISION);
      return s.padStart(width);
    },
  };
}

function plainFormatter(shown: string[]): Formatter {
  const width = shown.reduce((w, s) => Math.max(w, s.length), 1);
  return { width, format: (value) => String(value).padStart(width) };
}

/** The elements as JS values: numbers for floats, bigint/number for integers, 0/1 for bool. */
function elements(t: Tensor): ArrayLike<number | bigint> {
  const data = t.toArray();
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') {
    return Array.from(data as Uint16Array, (b) => halfToFloat(b, t.dtype === 'bfloat16'));
  }
  return data as ArrayLike<number | bigint>;
}

export function formatTensor(t: Tensor): string {
  if (t.isDisposed) return 'tensor(<disposed>)';
  const prefix = 'tensor(';
  const shape = t.shape;
  const dtype = t.dtype;
  const suffixes: string[] = [];
  if (t.device !== 'cpu') suffixes.push(`device='${t.device}'`);

  let body: string;
  if (t.numel === 0) {
    body = '[]';
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(', ')})`);
  } else {
    const data = elements(t);
    const summarize = t.numel > SUMMARIZE_ABOVE;
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    // Indices shown along a dimension of size n ('-1' marks the '...').
    const shownIndices = (n: number): number[] =>
      summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];

    // Widths come from the elements shown only (PyTorch's get_summarized_data).
    const shown: (number | bigint)[] = [];
    const collect = (dim: number, offset: number): void => {
      if (dim === shape.length) {
        shown.push(data[offset]);
        return;
      }
      for (const i of shownIndices(shape[dim])) if (i >= 0) collect(dim + 1, offset + i * strides[dim]);
    };
    collect(0, 0);
    const isFloat = dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
    const asString = (v: number | bigint): string => (dtype === 'bool' ? (v ? 'True' : 'False') : String(v));
    const formatter = isFloat ? floatFormatter(shown as number[]) : plainFormatter(shown.map(asString));
    const format = (v: number | bigint): string => (isFloat ? formatter.format(v) : asString(v).padStart(formatter.width));

    const render = (dim: number, offset: number, indent: number): string => {
      if (dim === shape.length) return format(data[offset]);
      const indices = shownIndices(shape[dim]);
      if (dim === shape.length - 1) {
        // A row: wrapped so that no line passes LINE_WIDTH.
        const items = indices.map((i) => (i < 0 ? ' ...' : format(data[offset + i * strides[dim]])));
        const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (formatter.width + 2)));
        const lines: string[] = [];
        for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
        return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
      }
      const parts = indices.map((i) => (i < 0 ? '...' : render(dim + 1, offset + i * strides[dim], indent + 1)));
      return '[' + parts.join(',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(indent + 1)) + ']';
    };
    body = render(0, 0, prefix.length);
  }

  if (dtype !== 'float32' && dtype !== 'int64' && dtype !== 'bool') suffixes.push(`dtype=${dtype}`);
  if (t.requiresGrad) suffixes.push(t.isLeaf ? 'requires_grad=True' : 'grad_fn=<...>');
  return prefix + body + suffixes.map((s) => ', ' + s).join('') + ')';
}
