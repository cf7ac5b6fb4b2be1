// NumPy .npy files (format versions 1.0, 2.0 and 3.0): little-endian, C order.

import { readFileSync, statSync, writeFileSync } from 'node:fs';

import { type DType, Tensor, tensor } from '../tensor.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

// numpy descr (without byte order) <-> dtype. bfloat16 has no numpy type.
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
const ITEM_SIZE: Record<string, number> = { f4: 4, f8: 8, f2: 2, i8: 8, i4: 4, u1: 1, b1: 1 };

function fail(path: string, problem: string): never {
  throw new Error(`loadNpy: ${path}: ${problem}`);
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

// The header is a Python dict literal; parse the three keys numpy writes
// rather than evaluating anything.
function parseHeader(text: string, path: string): NpyHeader {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    fail(path, `malformed header ${JSON.stringify(text.trim())}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+L?$/.test(s)) fail(path, `bad shape entry '${s}' in header`);
      return Number.parseInt(s, 10);
    });
  return { descr, fortranOrder: fortran === 'True', shape };
}

/**
 * Reads a .npy file into a tensor (float32/64, float16, int32/64, uint8, bool).
 * @example const x = torch.loadNpy('input.npy');
 */
export function loadNpy(path: string): Tensor {
  if (typeof path !== 'string') throw new TypeError(`loadNpy: expected string for path but received ${typeof path}`);
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    fail(path, (error as Error).message);
  }
  if (stat.isDirectory()) fail(path, 'is a directory');
  const bytes = readFileSync(path);
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) fail(path, 'not a .npy file (bad magic)');
  const major = bytes[6];
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = bytes.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(path, 'truncated header');
    headerLength = bytes.readUInt32LE(8);
    headerStart = 12;
  } else {
    fail(path, `unsupported format version ${major}`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) fail(path, `header length ${headerLength} runs past the end of the file`);
  const header = parseHeader(bytes.subarray(headerStart, dataStart).toString(major === 3 ? 'utf8' : 'latin1'), path);
  if (header.fortranOrder) fail(path, 'Fortran-order arrays are not supported (save with np.ascontiguousarray)');
  const order = header.descr[0];
  const kind = header.descr.slice(1);
  if (header.descr.includes('O')) fail(path, 'object arrays are not supported (they need pickle)');
  const dtype = DESCR_TO_DTYPE[kind];
  if (dtype === undefined || !['<', '|', '='].includes(order)) {
    fail(path, `unsupported dtype '${header.descr}' (little-endian f2/f4/f8/i4/i8/u1/b1 only)`);
  }
  const count = header.shape.reduce((a, b) => a * b, 1);
  const expected = count * ITEM_SIZE[kind];
  const available = bytes.length - dataStart;
  if (available !== expected) {
    fail(path, `data is ${available} bytes but shape (${header.shape.join(', ')}) of ${header.descr} needs ${expected}`);
  }
  // Copy the data to an aligned buffer of its own (the file buffer's offset may not be aligned).
  const data = new Uint8Array(expected);
  data.set(bytes.subarray(dataStart));
  const buffer = data.buffer;
  const typed =
    dtype === 'float32'
      ? new Float32Array(buffer)
      : dtype === 'float64'
        ? new Float64Array(buffer)
        : dtype === 'float16'
          ? new Uint16Array(buffer)
          : dtype === 'int64'
            ? new BigInt64Array(buffer)
            : dtype === 'int32'
              ? new Int32Array(buffer)
              : data;
  return tensor(typed, header.shape, { dtype });
}

/** Writes a tensor as a version 1.0 .npy file (C order, little-endian). */
export function saveNpy(path: string, t: Tensor): void {
  if (typeof path !== 'string') throw new TypeError(`saveNpy: expected string for path but received ${typeof path}`);
  if (!(t instanceof Tensor)) throw new TypeError(`saveNpy: expected Tensor for tensor but received ${typeof t}`);
  const descr = DTYPE_TO_DESCR[t.dtype];
  if (descr === undefined) throw new TypeError(`saveNpy: ${path}: numpy has no ${t.dtype} dtype; convert with .to('float32') first`);
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
  const data = t.toArray();
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
