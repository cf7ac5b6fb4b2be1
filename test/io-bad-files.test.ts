// Every kind of bad file, one row each: the loader throws an Error whose
// message is `<op>: <path>: <problem>` with the problem named, and nothing
// crashes or hangs. Rows come from three places: files only Python can make
// (scripts/reference/io.py -> bad/), valid files mutated here, and archives
// and pickles forged here with lib/io's own ZIP writer (so the CRCs are right
// and the parser behind them is what gets tested).

import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Pickler } from '../lib/io/pickle.js';
import { ZipWriter } from '../lib/io/zip.js';
import * as torch from '../lib/index.js';
import { FIXTURES } from './setup/fixtures.js';

const DIR = join(FIXTURES, 'io');
let tmp: string;
let counter = 0;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ltr-bad-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, data: Uint8Array | string): string {
  const path = join(tmp, `${counter++}-${name}`);
  writeFileSync(path, data);
  return path;
}

// ---------------------------------------------------------------------------
// safetensors forgery

function st(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): string {
  const json = Buffer.isBuffer(header) ? header : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  return file('x.safetensors', Buffer.concat([head, json, data]));
}
const f32 = (n: number): Buffer => Buffer.from(new Float32Array(n).fill(1).buffer);
const oneTensor = (info: object, data = f32(3)): string => st({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 12], ...info } }, data);

// ---------------------------------------------------------------------------
// .pth forgery: a pickle program plus storage records, zipped by lib/io's writer

function zip(records: Record<string, Uint8Array>): string {
  const path = join(tmp, `${counter++}-x.pth`);
  const fd = openSync(path, 'w');
  const z = new ZipWriter(fd);
  for (const [name, data] of Object.entries(records)) z.add(name, data);
  z.finish();
  closeSync(fd);
  return path;
}

function pth(program: (p: Pickler) => void, storages: Record<string, Uint8Array> = { '0': f32(4) }): string {
  const p = new Pickler();
  program(p);
  const records: Record<string, Uint8Array> = { 'archive/data.pkl': p.finish() };
  for (const [k, v] of Object.entries(storages)) records[`archive/data/${k}`] = v;
  records['archive/version'] = Buffer.from('3\n');
  return zip(records);
}

/** Raw pickle bytes (after PROTO 2, before STOP). */
function raw(bytes: number[] | string): (p: Pickler) => void {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  return (p) => b.forEach((x) => p.byte(x));
}

interface TensorSpec {
  offset?: unknown;
  size?: number[];
  stride?: number[];
  numel?: number;
  storage?: string;
  key?: string;
  requiresGrad?: boolean;
}

/** OrderedDict(w=_rebuild_tensor_v2(storage, ...)) with every field overridable. */
function tensorProgram(spec: TensorSpec = {}): (p: Pickler) => void {
  return (p) => {
    p.global('collections', 'OrderedDict');
    p.tuple(0, () => {});
    p.reduce();
    p.mark();
    p.str('w');
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.tuple(6, () => {
      p.tuple(5, () => {
        p.str('storage');
        p.global('torch', spec.storage ?? 'FloatStorage');
        p.str(spec.key ?? '0');
        p.str('cpu');
        p.int(spec.numel ?? 4);
      });
      p.binPersId();
      if (typeof spec.offset === 'number') p.int(spec.offset);
      else p.str(String(spec.offset ?? 'x'));
      p.intTuple(spec.size ?? [2, 2]);
      p.intTuple(spec.stride ?? [2, 1]);
      p.bool(spec.requiresGrad ?? false);
      p.global('collections', 'OrderedDict');
      p.tuple(0, () => {});
      p.reduce();
    });
    p.reduce();
    p.setItems();
  };
}
const goodTensor = (spec: TensorSpec = {}): ((p: Pickler) => void) => tensorProgram({ offset: 0, ...spec });

/** Overwrites bytes of a copy of `src` at `at` (negative: from the end). */
function patched(src: string, at: number, bytes: number[]): string {
  const data = Buffer.from(readFileSync(src));
  const pos = at < 0 ? data.length + at : at;
  Buffer.from(bytes).copy(data, pos);
  return file('patched.pth', data);
}

function npy(header: string, data: Uint8Array = new Uint8Array(0), version = 1): string {
  const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const len = Buffer.alloc(version === 1 ? 2 : 4);
  if (version === 1) len.writeUInt16LE(header.length);
  else len.writeUInt32LE(header.length);
  return file('x.npy', Buffer.concat([magic, len, Buffer.from(header, 'latin1'), data]));
}

// ---------------------------------------------------------------------------

type Op = 'load' | 'loadCheckpoint' | 'loadNpy';
type Row = [label: string, op: Op, make: () => string, problem: RegExp];

const ROWS: Row[] = [
  // --- any format
  ['empty .pth', 'load', () => file('e.pth', ''), /^empty file \(0 bytes\)$/],
  ['empty .safetensors', 'load', () => file('e.safetensors', ''), /^empty file \(0 bytes\)$/],
  ['empty .npy', 'loadNpy', () => file('e.npy', ''), /^empty file \(0 bytes\)$/],
  ['a directory (load)', 'load', () => { const d = join(tmp, `${counter++}-dir.pth`); mkdirSync(d); return d; }, /^is a directory, not a file$/],
  ['a directory (loadNpy)', 'loadNpy', () => { const d = join(tmp, `${counter++}-dir.npy`); mkdirSync(d); return d; }, /^is a directory, not a file$/],
  ['a missing file', 'load', () => join(tmp, 'nope.pth'), /^no such file$/],

  // --- safetensors: header length and JSON
  ['safetensors truncated to 5 bytes', 'load', () => file('t.safetensors', 'abcde'), /^truncated: 5 bytes, but a safetensors file starts with an 8-byte header length$/],
  ['header length larger than the file', 'load', () => st({}, undefined, 1000n), /^header length 1000 is larger than the rest of the file \(2 bytes\)/],
  ['header length 2^64-1', 'load', () => st({}, undefined, 2n ** 64n - 1n), /^header length 18446744073709551615 is larger than the rest of the file/],
  ['header not UTF-8', 'load', () => st(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /^the header is not valid UTF-8$/],
  ['header not JSON', 'load', () => st('{"t": '), /^the header is not valid JSON/],
  ['header JSON is an array', 'load', () => st([1, 2]), /^the header JSON is an array, not an object$/],
  ['header JSON is a number', 'load', () => st('42'), /^the header JSON is a number, not an object$/],
  ['header JSON is null', 'load', () => st('null'), /^the header JSON is null, not an object$/],
  ['header JSON is a string', 'load', () => st('"x"'), /^the header JSON is a string, not an object$/],
  ['__metadata__ not an object', 'load', () => st({ __metadata__: 'x' }), /^__metadata__ is not an object$/],
  ['__metadata__ value not a string', 'load', () => st({ __metadata__: { a: 1 } }), /^__metadata__ value 'a' is not a string$/],
  ['tensor entry not an object', 'load', () => st({ t: [1] }), /^tensor "t": its entry is not an object$/],
  // --- safetensors: dtypes and shapes
  ['dtype missing', 'load', () => oneTensor({ dtype: undefined }), /^tensor "t": dtype is missing or not a string$/],
  ['unknown dtype', 'load', () => oneTensor({ dtype: 'F99' }), /^tensor "t": unknown dtype "F99"$/],
  ['dtype named like an Object.prototype property', 'load', () => oneTensor({ dtype: 'constructor' }), /^tensor "t": unknown dtype "constructor"$/],
  ['unsupported dtype I8', 'load', () => oneTensor({ dtype: 'I8' }), /^tensor "t": dtype I8 is not supported/],
  ['shape not an array', 'load', () => oneTensor({ shape: 3 }), /^tensor "t": shape is missing or not an array$/],
  ['negative shape', 'load', () => oneTensor({ shape: [-3] }), /^tensor "t": shape \[-3\] holds a negative size$/],
  ['fractional shape', 'load', () => oneTensor({ shape: [1.5, 2] }), /^tensor "t": shape \[1\.5,2\] holds a non-integer$/],
  ['absurd shape 1e20', 'load', () => oneTensor({ shape: [1e20] }), /^tensor "t": shape \[100000000000000000000\] holds an absurd size$/],
  ['shape product overflowing 2^64', 'load', () => oneTensor({ shape: [2 ** 40, 2 ** 40, 2 ** 40] }), /^tensor "t": data_offsets \[0, 12\] hold 12 bytes but float32 \[1099511627776, 1099511627776, 1099511627776\] needs \d+$/],
  ['65 dimensions', 'load', () => oneTensor({ shape: new Array(65).fill(1) }), /^tensor "t": shape has 65 dimensions \(at most 64\)$/],
  // --- safetensors: offsets
  ['data_offsets missing', 'load', () => oneTensor({ data_offsets: undefined }), /^tensor "t": data_offsets is missing or not \[begin, end\]$/],
  ['data_offsets negative', 'load', () => oneTensor({ data_offsets: [-4, 8] }), /^tensor "t": data_offsets \[-4,8\] are not non-negative integers$/],
  ['data_offsets reversed', 'load', () => oneTensor({ data_offsets: [12, 0] }), /^tensor "t": data_offsets \[12, 0\] end before they begin$/],
  ['data_offsets past the data', 'load', () => oneTensor({ data_offsets: [0, 16], shape: [4] }), /^tensor "t": data_offsets \[0, 16\] run past the end of the data \(12 bytes\)$/],
  ['data_offsets not matching dtype x shape', 'load', () => oneTensor({ shape: [2] }), /^tensor "t": data_offsets \[0, 12\] hold 12 bytes but float32 \[2\] needs 8$/],
  ['overlapping tensors', 'load', () => st({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3)), /^tensors "a" and "b" overlap in the data$/],
  ['a hole between tensors', 'load', () => st({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3)), /^data bytes \[4, 8\) belong to no tensor \(a hole before "b"\)$/],
  ['bytes after the last tensor', 'load', () => st({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(3)), /^data bytes \[4, 12\) after the last tensor belong to no tensor$/],
  ['safetensors cut short in the data', 'load', () => st({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, f32(2)), /^tensor "t": data_offsets \[0, 12\] run past the end of the data \(8 bytes\)$/],
  ['bool byte other than 0/1', 'load', () => st({ t: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, Buffer.from([1, 2, 0])), /^readStorage: bool element 1 holds the byte 2 \(only 0 and 1 are valid\)$/],

  // --- .pth: made by Python
  ['legacy (pre-1.6) torch.save format', 'load', () => join(DIR, 'bad', 'legacy.pth'), /^legacy format: this file was written by torch\.save before PyTorch 1\.6/],
  ['a TorchScript archive', 'load', () => join(DIR, 'bad', 'torchscript.pt'), /^this is a TorchScript archive \(torch\.jit\.save\)/],
  ['a pickled nn.Module', 'load', () => join(DIR, 'bad', 'whole_module.pth'), /^refusing to load global 'torch\.nn\.modules\.linear\.Linear': only tensors, storages and plain containers/],
  ['a pickle that would call os.system', 'load', () => join(DIR, 'bad', 'evil_os_system.pth'), /^refusing to load global 'posix\.system'/],
  ['an int8 storage', 'load', () => join(DIR, 'bad', 'int8.pth'), /^storage type torch\.CharStorage holds a dtype this library does not support/],
  ['a complex storage', 'load', () => join(DIR, 'bad', 'complex.pth'), /^storage type torch\.ComplexFloatStorage holds a dtype/],
  ['a list at the top', 'load', () => join(DIR, 'bad', 'list_top.pth'), /^the file holds a list, not a dict of tensors$/],
  ['tensors mixed with numbers (load)', 'load', () => join(DIR, 'bad', 'mixed.pth'), /^entry 'epoch' is an int, not a tensor: .*use loadCheckpoint\(\)/],
  // The first record: data.pkl from torch 1.13, byteorder from torch >= 2.1.
  ['deflated records', 'load', () => join(DIR, 'bad', 'deflated.pth'), /^record '_good\/(data\.pkl|byteorder)' is compressed \(method 8\)/],
  ['byteorder big', 'load', () => join(DIR, 'bad', 'byteorder_big.pth'), /^big-endian checkpoints are not supported/],
  ['a storage record missing', 'load', () => join(DIR, 'bad', 'missing_storage.pth'), /^storage record '_good\/data\/0' is missing$/],
  ['a storage record too short', 'load', () => join(DIR, 'bad', 'short_storage.pth'), /^storage record '_good\/data\/0' is 12 bytes but 4 float32 elements need 16$/],
  ['a view past its storage (Python-made)', 'load', () => join(DIR, 'bad', 'view_out_of_bounds.pth'), /^tensor of size \[2, 2\], stride \[2, 1\] at offset 2 reaches element 5 of storage '0', which has 4$/],

  // --- .pth: the archive
  ['not a ZIP at all', 'load', () => file('r.pth', Buffer.alloc(100, 7)), /^not a PyTorch checkpoint: no ZIP signature/],
  ['.pth truncated to half', 'load', () => { const d = readFileSync(join(DIR, 'tensors.pth')); return file('h.pth', d.subarray(0, d.length >> 1)); }, /^not a ZIP archive \(no end-of-central-directory record/],
  ['.pth missing its last byte', 'load', () => { const d = readFileSync(join(DIR, 'tensors.pth')); return file('h.pth', d.subarray(0, d.length - 1)); }, /^not a ZIP archive/],
  ['.pth with its data cut out', 'load', () => { const d = readFileSync(join(DIR, 'tensors.pth')); return file('c.pth', Buffer.concat([d.subarray(0, 100), d.subarray(d.length - 2000)])); }, /^ZIP64 end record offset \d+ lies outside the archive$/],
  ['a flipped byte in tensor data (CRC)', 'load', () => { const p = pth(goodTensor()); const d = readFileSync(p); const at = d.indexOf(Buffer.from(f32(4))); d[at + 5] ^= 0x10; return file('crc.pth', d); }, /^readStorage: CRC-32 mismatch \(the record's bytes are corrupt\)/],
  ['a flipped byte in data.pkl (CRC)', 'load', () => { const p = pth(goodTensor()); const d = readFileSync(p); const at = d.indexOf(Buffer.from('_rebuild_tensor_v2')); d[at] ^= 1; return file('crc.pth', d); }, /^record 'archive\/data\.pkl' is corrupt \(CRC-32 mismatch\)$/],
  ['central directory offset past the file', 'load', () => patched(pth(goodTensor()), -6, [0xff, 0xff, 0xff, 0x7f]), /^central directory \[\d+, \d+\) runs past its end record/],
  ['entry count larger than the directory', 'load', () => patched(pth(goodTensor()), -12, [0xff, 0x7f]), /^the central directory claims 32767 entries/],
  ['records not inside a folder', 'load', () => zip({ 'data.pkl': Buffer.from([0x80, 2, 0x7d, 0x2e]) }), /^record 'data\.pkl' is not inside a folder/],
  ['no data.pkl', 'load', () => zip({ 'archive/version': Buffer.from('3\n') }), /^no 'archive\/data\.pkl' record: not a torch\.save archive$/],
  ['an empty ZIP', 'load', () => zip({}), /^the ZIP archive holds no records$/],

  // --- .pth: the pickle (valid CRCs, forged programs)
  ['unknown opcode', 'load', () => pth(raw([0xff])), /^pickle: unknown opcode 0xff at offset 2/],
  ['opcode INST (constructs objects)', 'load', () => pth(raw('ios\nsystem\n')), /^pickle opcode INST at offset 2 is not supported/],
  ['opcode NEWOBJ', 'load', () => pth((p) => { p.global('collections', 'OrderedDict'); p.tuple(0, () => {}); p.byte(0x81); }), /^pickle opcode NEWOBJ at offset \d+ is not supported/],
  ['opcode EXT1', 'load', () => pth(raw([0x82, 1])), /^pickle opcode EXT1/],
  ['GLOBAL builtins.eval', 'load', () => pth(raw('cbuiltins\neval\n')), /^refusing to load global 'builtins\.eval'/],
  ['GLOBAL without a newline', 'load', () => pth(raw('cos')), /^pickle: GLOBAL module at offset 3 is not a newline-terminated name$/],
  ['STACK_GLOBAL of subprocess.Popen', 'load', () => pth((p) => { p.str('subprocess'); p.str('Popen'); p.byte(0x93); }), /^refusing to load global 'subprocess\.Popen'/],
  ['torch.constructor as a storage type', 'load', () => pth(goodTensor({ storage: 'constructor' })), /^refusing to load global 'torch\.constructor'/],
  ['calling a storage type (REDUCE)', 'load', () => pth((p) => { p.global('torch', 'FloatStorage'); p.tuple(0, () => {}); p.reduce(); }), /^refusing to call 'torch\.FloatStorage' \(REDUCE\)/],
  ['REDUCE with stack underflow', 'load', () => pth(raw([0x52])), /^pickle: stack underflow at offset 2$/],
  ['BINGET of an undefined memo', 'load', () => pth(raw([0x68, 5])), /^pickle: memo key 5 is not defined/],
  ['no STOP', 'load', () => { const p = new Pickler(); p.emptyDict(); const b = p.finish(); return zip({ 'archive/data.pkl': b.subarray(0, b.length - 1) }); }, /^pickle is truncated: no STOP opcode$/],
  ['STOP with two values', 'load', () => pth((p) => { p.emptyDict(); p.emptyDict(); }), /^pickle: STOP with 2 values on the stack \(expected 1\)$/],
  ['BINUNICODE longer than the pickle', 'load', () => pth(raw([0x58, 0xff, 0xff, 0xff, 0x0f, 0x61])), /^pickle is truncated: BINUNICODE needs 268435455 bytes at offset 7/],
  ['BINUNICODE8 length 2^63', 'load', () => pth(raw([0x8d, 0, 0, 0, 0, 0, 0, 0, 0x80])), /^pickle: BINUNICODE8 length 9223372036854775808 is larger than the pickle$/],
  ['LONG4 of 2^31 bytes', 'load', () => pth(raw([0x8b, 0, 0, 0, 0x80])), /^pickle: integer of 2147483648 bytes is too large$/],
  ['unsupported protocol', 'load', () => zip({ 'archive/data.pkl': Buffer.from([0x80, 9, 0x7d, 0x2e]) }), /^pickle protocol 9 is not supported/],
  ['BUILD on a list', 'load', () => pth((p) => { p.emptyList(); p.emptyDict(); p.byte(0x62); }), /^pickle: refusing to set the state of a list \(BUILD\)$/],
  ['APPEND to a dict', 'load', () => pth((p) => { p.emptyDict(); p.none(); p.byte(0x61); }), /^pickle: APPEND on a dict, not a list$/],
  ['a tuple as a dict key', 'load', () => pth((p) => { p.emptyDict(); p.tuple(0, () => {}); p.none(); p.byte(0x73); }), /^pickle: a dict key of type tuple is not supported$/],
  ['a malformed persistent id', 'load', () => pth((p) => { p.str('storage'); p.binPersId(); }), /^unsupported persistent id/],
  ['a storage key escaping the archive', 'load', () => pth(goodTensor({ key: '../../etc/passwd' })), /^storage key "\.\.\/\.\.\/etc\/passwd" is not a valid record name$/],
  ['an int key at the top (load)', 'load', () => pth((p) => { p.emptyDict(); p.int(1); p.emptyDict(); p.byte(0x73); }), /^the state dict has a non-string key 1$/],
  ['containers nested 100000 deep', 'loadCheckpoint', () => pth((p) => { for (let i = 0; i < 100000; i++) p.emptyList(); for (let i = 0; i < 99999; i++) p.byte(0x61); }), /^containers nest deeper than 200 levels$/],
  // --- .pth: tensor views
  ['a tensor with a negative size', 'load', () => pth(goodTensor({ size: [-1, 2] })), /^tensor size\[0\] is negative \(-1\)$/],
  ['a tensor with a negative stride', 'load', () => pth(goodTensor({ stride: [-2, 1] })), /^tensor stride\[0\] is negative \(-2\)$/],
  ['size and stride of different lengths', 'load', () => pth(goodTensor({ stride: [1] })), /^tensor size \[2, 2\] and stride \[1\] differ in length$/],
  ['a view past its storage', 'load', () => pth(goodTensor({ size: [3, 2] })), /^tensor of size \[3, 2\], stride \[2, 1\] at offset 0 reaches element 5 of storage '0', which has 4$/],
  ['a storage offset past the storage', 'load', () => pth(goodTensor({ offset: 9, size: [0] , stride: [1] })), /^tensor storage offset 9 lies past storage '0' of 4 elements$/],
  ['a storage offset that is not an integer', 'load', () => pth(tensorProgram({ offset: 'x' })), /^tensor storage offset x is not a non-negative integer$/],
  ['an absurd stride-0 size', 'load', () => pth(goodTensor({ size: [2 ** 40, 2 ** 40], stride: [0, 0] })), /^tensor size \[1099511627776, 1099511627776\] is absurd/],
  ['an absurd storage size', 'load', () => pth(goodTensor({ numel: 2 ** 50 })), /^storage record 'archive\/data\/0' is 16 bytes but 1125899906842624 float32 elements need 4503599627370496$/],
  ['requires_grad on an int64 tensor', 'load', () => pth(goodTensor({ storage: 'LongStorage', requiresGrad: true }), { '0': Buffer.alloc(32) }), /^a tensor of dtype int64 is marked requires_grad \(only floating point tensors can require gradients\)$/],

  // --- .npy
  ['npy bad magic', 'loadNpy', () => file('m.npy', Buffer.alloc(64, 1)), /^not a \.npy file \(bad magic/],
  ['npy Fortran order', 'loadNpy', () => join(DIR, 'bad', 'fortran.npy'), /^Fortran-order arrays are not supported/],
  ['npy object array', 'loadNpy', () => join(DIR, 'bad', 'object.npy'), /^object arrays are not supported \(they need pickle\)$/],
  ['npy big-endian', 'loadNpy', () => join(DIR, 'bad', 'bigendian.npy'), /^big-endian data \('>f4'\) is not supported/],
  ['npy descr named like an Object.prototype property', 'loadNpy', () => npy("{'descr': '<constructor', 'fortran_order': False, 'shape': (1,), }\n", f32(1)), /^unsupported dtype '<constructor'/],
  ['npy int8', 'loadNpy', () => join(DIR, 'bad', 'int8.npy'), /^unsupported dtype '\|i1'/],
  ['npy truncated data', 'loadNpy', () => { const d = readFileSync(join(DIR, 'np_f32.npy')); return file('t.npy', d.subarray(0, d.length - 3)); }, /^data is 45 bytes but shape \[3, 4\] of <f4 needs 48$/],
  ['npy header length past the end', 'loadNpy', () => { const d = Buffer.from(readFileSync(join(DIR, 'np_f32.npy'))); d.writeUInt16LE(60000, 8); return file('h.npy', d); }, /^header length 60000 runs past the end of the file/],
  ['npy negative shape', 'loadNpy', () => npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }\n"), /^shape \(-2, 3\) holds a negative size$/],
  ['npy absurd shape', 'loadNpy', () => npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }\n"), /holds an absurd or non-integer size$/],
  ['npy shape overflowing 2^64', 'loadNpy', () => npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }\n", f32(1)), /^data is 4 bytes but shape \[4294967296, 4294967296, 4294967296\] of <f4 needs \d+$/],
  ['npy malformed header', 'loadNpy', () => npy("{'descr': '<f4', 'fortran_order': Fals"), /^header: unexpected/],
  ['npy header that is not a dict', 'loadNpy', () => npy('[1, 2]\n'), /^header is not a dict/],
  ['npy header missing shape', 'loadNpy', () => npy("{'descr': '<f4', 'fortran_order': False}\n"), /^header lacks descr, fortran_order or shape/],
  ['npy structured dtype', 'loadNpy', () => npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", f32(1)), /^structured arrays \(a descr list\) are not supported/],
  ['npy format version 9', 'loadNpy', () => npy('{}', undefined, 9), /^unsupported format version 9\.0$/],
  ['npy bool byte other than 0/1', 'loadNpy', () => npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }\n", Buffer.from([0, 5])), /^readStorage: bool element 1 holds the byte 5/],
];

const LOADERS: Record<Op, (path: string) => unknown> = {
  load: (p) => torch.load(p),
  loadCheckpoint: (p) => torch.loadCheckpoint(p),
  loadNpy: (p) => torch.loadNpy(p),
};

describe('bad files: a clear error naming the file and the problem', () => {
  it.each(ROWS)('%s', (_label, op, make, problem) => {
    const path = make();
    let error: unknown;
    const started = performance.now();
    try {
      LOADERS[op](path);
    } catch (e) {
      error = e;
    }
    expect(performance.now() - started, 'no hang').toBeLessThan(5000);
    expect(error, 'should throw').toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    const message = (error as Error).message;
    const prefix = `${op}: ${path}: `;
    expect(message.startsWith(prefix), `"${message}" should start with "${prefix}"`).toBe(true);
    expect(message.slice(prefix.length)).toMatch(problem);
  });

  it('the os.system pickle ran nothing', () => {
    expect(existsSync('/tmp/libtorch-resnet-pwned')).toBe(false);
  });

  it('a self-referencing list loads as a cyclic array (no hang) and load() says it is not a dict', () => {
    // [x] where x is the list itself: EMPTY_LIST, BINPUT 0, BINGET 0, APPEND
    const path = pth((p) => {
      p.emptyList();
      p.memoize();
      p.get(0);
      p.byte(0x61);
    });
    const v = torch.loadCheckpoint(path) as unknown[];
    expect(v[0]).toBe(v);
    expect(() => torch.load(path)).toThrow(/holds a list/);
    expect(torch.inspectFile(path).tensors).toEqual([]);
  });

  it('inspect reports the same problems', () => {
    const path = join(DIR, 'bad', 'evil_os_system.pth');
    expect(() => torch.inspectFile(path)).toThrow(`inspect: ${path}: refusing to load global 'posix.system'`);
  });
});
