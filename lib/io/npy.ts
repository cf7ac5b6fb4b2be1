// NumPy .npy files (format versions 1.0, 2.0 and 3.0): little-endian, C order.
//
// The header is a Python dict literal; it is parsed by a small literal parser
// (strings, True/False, integer tuples), never evaluated, and the data is read
// straight from the file into tensor memory after its size was checked
// against the shape.

import { native } from '../native.js';
import { type DType, Tensor } from '../tensor.js';
import { checkPath, contiguousStrides, fail, formatShape, ITEM_SIZE, shapeNumel, tensorBytes, withContext, withInputFile, writeAtomically } from './common.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

// numpy type code (without byte order) <-> dtype. bfloat16 has no numpy type.
const DESCR_TO_DTYPE: Record<string, DType> = {
  f4: 'float32',
  f8: 'float64',
  f2: 'float16',
  i8: 'int64',
  i4: 'int32',
  u1: 'uint8',
  b1: 'bool',
};
const DTYPE_TO_DESCR: Partial<Record<DType, string>> = {
  float32: '<f4',
  float64: '<f8',
  float16: '<f2',
  int64: '<i8',
  int32: '<i4',
  uint8: '|u1',
  bool: '|b1',
};

const MAX_HEADER = 1 << 20;

interface NpyHeader {
  descr: unknown;
  fortranOrder: unknown;
  shape: unknown;
}

type Literal = string | boolean | number | bigint | null | Literal[] | Map<Literal, Literal>;

/** Parses the Python literal numpy writes: a dict of strings, booleans, ints, tuples and lists. */
function parseLiteral(text: string): Literal {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (depth: number): Literal => {
    if (depth > 32) fail('header nests too deeply');
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('header has an unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: Literal[] = [];
      const map = new Map<Literal, Literal>();
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        const k = value(depth + 1);
        ws();
        if (c === '{') {
          if (text[i] !== ':') fail(`header: expected ':' at character ${i}`);
          i++;
          map.set(k, value(depth + 1));
        } else {
          items.push(k);
        }
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`header: expected ',' or '${close}' at character ${i}`);
      }
      return c === '{' ? map : items;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (m === null) fail(`header: unexpected ${JSON.stringify(text.slice(i, i + 10))} at character ${i}`);
    i += m[0].length;
    if (m[1] === 'True') return true;
    if (m[1] === 'False') return false;
    if (m[1] === 'None') return null;
    const n = BigInt(m[1].replace('L', ''));
    return Number.isSafeInteger(Number(n)) ? Number(n) : n;
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail(`header: unexpected text after the dict at character ${i}`);
  return v;
}

function parseHeader(text: string): NpyHeader {
  const dict = parseLiteral(text);
  if (!(dict instanceof Map)) fail(`header is not a dict: ${JSON.stringify(text.trim().slice(0, 80))}`);
  if (!dict.has('descr') || !dict.has('fortran_order') || !dict.has('shape')) fail(`header lacks descr, fortran_order or shape: ${JSON.stringify(text.trim().slice(0, 80))}`);
  return { descr: dict.get('descr'), fortranOrder: dict.get('fortran_order'), shape: dict.get('shape') };
}

/**
 * Reads a .npy file into a tensor (float32/64, float16, int32/64, uint8, bool).
 * @example const x = torch.loadNpy('input.npy');
 */
export function loadNpy(path: string): Tensor {
  checkPath('loadNpy', path);
  return withContext('loadNpy', path, () =>
    withInputFile(path, (file) => {
      if (file.size < 10 || !file.read(0, 6, 'the magic').equals(MAGIC)) fail('not a .npy file (bad magic; numpy files start with \\x93NUMPY)');
      const prefix = file.read(0, Math.min(file.size, 12), 'the header length');
      const major = prefix[6];
      let headerLength: number;
      let headerStart: number;
      if (major === 1) {
        headerLength = prefix.readUInt16LE(8);
        headerStart = 10;
      } else if (major === 2 || major === 3) {
        if (file.size < 12) fail('truncated header');
        headerLength = prefix.readUInt32LE(8);
        headerStart = 12;
      } else {
        fail(`unsupported format version ${major}.${prefix[7]}`);
      }
      const dataStart = headerStart + headerLength;
      if (dataStart > file.size) fail(`header length ${headerLength} runs past the end of the file (${file.size} bytes)`);
      if (headerLength > MAX_HEADER) fail(`header length ${headerLength} is absurd`);
      const headerBytes = file.read(headerStart, headerLength, 'the header');
      const header = parseHeader(headerBytes.toString(major === 3 ? 'utf8' : 'latin1'));

      if (typeof header.descr !== 'string') {
        fail('structured arrays (a descr list) are not supported; save a plain numeric array');
      }
      const descr = header.descr;
      if (header.fortranOrder !== false) {
        if (header.fortranOrder === true) fail('Fortran-order arrays are not supported (save with np.ascontiguousarray)');
        fail('fortran_order is not True or False');
      }
      if (descr.includes('O')) fail('object arrays are not supported (they need pickle)');
      const order = descr[0];
      const kind = descr.slice(1);
      // hasOwn: a descr such as '<constructor' must not find Object.prototype's.
      const dtype = Object.hasOwn(DESCR_TO_DTYPE, kind) ? DESCR_TO_DTYPE[kind] : undefined;
      if (order === '>' && dtype !== undefined && kind !== 'u1' && kind !== 'b1') {
        fail(`big-endian data ('${descr}') is not supported; save with arr.astype(arr.dtype.newbyteorder('<'))`);
      }
      if (dtype === undefined || !['<', '|', '=', '>'].includes(order)) {
        fail(`unsupported dtype '${descr}' (little-endian f2/f4/f8/i4/i8/u1/b1 only)`);
      }
      if (!Array.isArray(header.shape)) fail('shape is not a tuple');
      const shape = header.shape.map((d) => {
        if (typeof d !== 'number') fail(`shape ${JSON.stringify(String(header.shape))} holds an absurd or non-integer size`);
        if (d < 0) fail(`shape (${(header.shape as Literal[]).join(', ')}) holds a negative size`);
        return d;
      });
      if (shape.length > 64) fail(`shape has ${shape.length} dimensions (at most 64)`);
      const expected = shapeNumel(shape) * BigInt(ITEM_SIZE[dtype]);
      const available = file.size - dataStart;
      if (BigInt(available) !== expected) {
        fail(`data is ${available} bytes but shape ${formatShape(shape)} of ${descr} needs ${expected}`);
      }
      const storage = native.readStorage(file.fd, dataStart, available, dtype, null);
      try {
        return Tensor._wrap(native.asStrided(storage, shape, contiguousStrides(shape), 0));
      } finally {
        storage.dispose();
      }
    }),
  );
}

/**
 * Writes a tensor as a version 1.0 .npy file (C order, little-endian).
 * @example torch.saveNpy('logits.npy', logits)
 */
export function saveNpy(path: string, t: Tensor): void {
  checkPath('saveNpy', path);
  if (!(t instanceof Tensor)) throw new TypeError(`saveNpy: expected Tensor for tensor but received ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) throw new TypeError(`saveNpy: ${path}: the tensor is disposed`);
  const descr = DTYPE_TO_DESCR[t.dtype];
  if (descr === undefined) throw new TypeError(`saveNpy: ${path}: numpy has no ${t.dtype} dtype; convert with .to('float32') first`);
  withContext('saveNpy', path, () => {
    const shape = t.shape;
    const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
    let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
    // Pad so the data starts on a 64-byte boundary, as numpy does.
    const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
    header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
    const prefix = Buffer.alloc(10);
    MAGIC.copy(prefix, 0);
    prefix[6] = 1;
    prefix[7] = 0;
    prefix.writeUInt16LE(header.length, 8);
    writeAtomically(path, (write) => {
      write(prefix);
      write(Buffer.from(header, 'latin1'));
      write(tensorBytes(t));
    });
  });
}
