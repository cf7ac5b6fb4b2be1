// The safetensors format: an 8-byte little-endian header length N, N bytes of
// JSON {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the data buffer; offsets are relative to the buffer. As in the
// reference implementation, the tensors must tile the buffer exactly: no
// overlaps, no holes, nothing after the last one.

import { type DType, native } from '../native.js';
import { Tensor } from '../tensor.js';
import { argError, BadFile, contiguousStrides, fail, formatShape, type InputFile, ITEM_SIZE, setKey, shapeNumel, tensorBytes, writeAtomically } from './common.js';

const TO_DTYPE: Record<string, DType> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  U8: 'uint8',
  BOOL: 'bool',
};
const FROM_DTYPE: Record<DType, string> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
};
/** Valid safetensors dtypes this library has no tensor type for. */
const KNOWN_UNSUPPORTED = new Set(['I8', 'I16', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** The reference implementation's limit on the header. */
const MAX_HEADER = 100_000_000;
const MAX_DIMS = 64;

export interface SafetensorsEntry {
  key: string;
  dtype: DType;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: SafetensorsEntry[]; // in data order
  metadata: Record<string, string>;
  dataStart: number;
}

/** Reads and validates the header (no tensor bytes). */
export function readSafetensorsHeader(file: InputFile): SafetensorsHeader {
  if (file.size < 8) fail(`truncated: ${file.size} bytes, but a safetensors file starts with an 8-byte header length`);
  const n = file.read(0, 8, 'the header length').readBigUInt64LE(0);
  if (n > BigInt(file.size - 8)) fail(`header length ${n} is larger than the rest of the file (${file.size - 8} bytes): truncated or not a safetensors file`);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  if (n < 2n) fail(`header length ${n} is too small for a JSON object`);
  const headerLength = Number(n);
  const dataStart = 8 + headerLength;
  const dataLength = file.size - dataStart;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.read(8, headerLength, 'the header'));
  } catch (error) {
    if (error instanceof BadFile) throw error;
    fail('the header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    fail(`the header JSON is ${json === null ? 'null' : Array.isArray(json) ? 'an array' : `a ${typeof json}`}, not an object`);
  }

  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [key, info] of Object.entries(json as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail('__metadata__ is not an object');
      for (const [mk, mv] of Object.entries(info as Record<string, unknown>)) {
        if (typeof mv !== 'string') fail(`__metadata__ value '${mk}' is not a string`);
        setKey(metadata, mk, mv);
      }
      continue;
    }
    const name = JSON.stringify(key);
    if (info === null || typeof info !== 'object' || Array.isArray(info)) fail(`tensor ${name}: its entry is not an object`);
    const { dtype: dt, shape: sh, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dt !== 'string') fail(`tensor ${name}: dtype is missing or not a string`);
    // hasOwn: a dtype named 'constructor' must not find Object.prototype's.
    const dtype = Object.hasOwn(TO_DTYPE, dt) ? TO_DTYPE[dt] : undefined;
    if (dtype === undefined) {
      if (KNOWN_UNSUPPORTED.has(dt)) fail(`tensor ${name}: dtype ${dt} is not supported (F64, F32, F16, BF16, I64, I32, U8 and BOOL are)`);
      fail(`tensor ${name}: unknown dtype ${JSON.stringify(dt)}`);
    }
    if (!Array.isArray(sh)) fail(`tensor ${name}: shape is missing or not an array`);
    if (sh.length > MAX_DIMS) fail(`tensor ${name}: shape has ${sh.length} dimensions (at most ${MAX_DIMS})`);
    for (const d of sh) {
      if (typeof d !== 'number' || !Number.isInteger(d)) fail(`tensor ${name}: shape ${JSON.stringify(sh)} holds a non-integer`);
      if (d < 0) fail(`tensor ${name}: shape ${JSON.stringify(sh)} holds a negative size`);
      if (!Number.isSafeInteger(d)) fail(`tensor ${name}: shape ${JSON.stringify(sh)} holds an absurd size`);
    }
    const shape = sh as number[];
    if (!Array.isArray(offsets) || offsets.length !== 2) fail(`tensor ${name}: data_offsets is missing or not [begin, end]`);
    const [begin, end] = offsets as unknown[];
    if (typeof begin !== 'number' || typeof end !== 'number' || !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < 0) {
      fail(`tensor ${name}: data_offsets ${JSON.stringify(offsets)} are not non-negative integers`);
    }
    if (end < begin) fail(`tensor ${name}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) fail(`tensor ${name}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes)`);
    // Exact: a forged shape cannot overflow into a matching byte count.
    const needed = shapeNumel(shape) * BigInt(ITEM_SIZE[dtype]);
    if (needed !== BigInt(end - begin)) {
      fail(`tensor ${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dtype} ${formatShape(shape)} needs ${needed}`);
    }
    entries.push({ key, dtype, shape, begin: dataStart + begin, end: dataStart + end });
  }
  // The tensors must tile the data buffer: sorted by offset, each begins where the last ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = dataStart;
  let previous: SafetensorsEntry | undefined;
  for (const e of entries) {
    if (e.begin < at) fail(`tensors ${JSON.stringify(previous!.key)} and ${JSON.stringify(e.key)} overlap in the data`);
    if (e.begin > at) fail(`data bytes [${at - dataStart}, ${e.begin - dataStart}) belong to no tensor (a hole before ${JSON.stringify(e.key)})`);
    at = e.end;
    previous = e;
  }
  if (at !== file.size) fail(`data bytes [${at - dataStart}, ${dataLength}) after the last tensor belong to no tensor`);
  return { entries, metadata, dataStart };
}

/** Reads every tensor straight from the file into tensor memory. */
export function readSafetensors(file: InputFile): Record<string, Tensor> {
  const header = readSafetensorsHeader(file);
  const out: Record<string, Tensor> = {};
  const made: Tensor[] = [];
  try {
    for (const e of header.entries) {
      const storage = native.readStorage(file.fd, e.begin, e.end - e.begin, e.dtype, null);
      try {
        const t = Tensor._wrap(native.asStrided(storage, e.shape, contiguousStrides(e.shape), 0));
        made.push(t);
        setKey(out, e.key, t);
      } finally {
        storage.dispose();
      }
    }
  } catch (error) {
    for (const t of made) t.dispose();
    throw error;
  }
  return out;
}

/** Writes tensors as .safetensors (via a temporary file renamed into place). */
export function writeSafetensors(path: string, record: Record<string, Tensor>, metadata: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  setKey(header, '__metadata__', metadata);
  const tensors = Object.entries(record);
  let offset = 0;
  for (const [key, t] of tensors) {
    if (key === '__metadata__') throw argError("'__metadata__' is reserved by the safetensors format and cannot name a tensor");
    const nbytes = t.numel * ITEM_SIZE[t.dtype];
    setKey(header, key, { dtype: FROM_DTYPE[t.dtype], shape: t.shape, data_offsets: [offset, offset + nbytes] });
    offset += nbytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.alloc(8);
  const jsonBytes = Buffer.from(json, 'utf8');
  head.writeBigUInt64LE(BigInt(jsonBytes.length), 0);

  writeAtomically(path, (write) => {
    write(head);
    write(jsonBytes);
    // One tensor's bytes in memory at a time.
    for (const [, t] of tensors) write(tensorBytes(t));
  });
}

/** Whether a file's first bytes look like safetensors (a plausible length, then '{'). */
export function looksLikeSafetensors(head: Buffer, size: number): boolean {
  if (head.length < 9) return false;
  const n = head.readBigUInt64LE(0);
  return n >= 2n && n <= BigInt(size - 8) && head[8] === 0x7b;
}
