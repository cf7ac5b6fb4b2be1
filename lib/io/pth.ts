// PyTorch's torch.save format (since 1.6): a ZIP archive of stored records
//
//   <root>/data.pkl      the pickled object; tensors appear as
//                        torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)
//                        and storages as persistent ids ('storage', torch.FloatStorage, key, location, numel)
//   <root>/data/<key>    each storage's bytes (little-endian)
//   <root>/version       "3"; <root>/byteorder "little" (PyTorch >= 2.1)
//
// Reading is in two steps: `readPthStructure` runs the restricted unpickler
// and yields the object with TensorRef placeholders (all that `inspect` needs),
// then `materialize` reads only the storages the wanted tensors use, each
// straight from the file into tensor memory, and rebuilds views on them (two
// tensors on one storage share memory, as in PyTorch).

import { type DType, native, type NativeTensor } from '../native.js';
import { Tensor } from '../tensor.js';
import { argError, contiguousStrides, fail, formatShape, type InputFile, ITEM_SIZE, setKey, shapeNumel, tensorBytes, writeAtomically } from './common.js';
import { isTuple, PyDict, PyGlobal, Pickler, tuple, unpickle, type UnpickleHooks } from './pickle.js';
import { entryDataOffset, readEntry, readZipDirectory, type ZipDirectory, ZipWriter } from './zip.js';

/** Storage classes torch.save names, and the dtype each holds (null: a dtype this library lacks). */
const STORAGE_DTYPES: Record<string, DType | null> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  CharStorage: null,
  ShortStorage: null,
  ComplexFloatStorage: null,
  ComplexDoubleStorage: null,
  QInt8Storage: null,
  QUInt8Storage: null,
  QInt32Storage: null,
  QUInt4x2Storage: null,
  QUInt2x4Storage: null,
};

const DTYPE_STORAGE: Record<DType, string> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

/** torch.<dtype> objects may appear as values (e.g. in metadata); they load as 'torch.float32' strings. */
const TORCH_DTYPE_NAMES = new Set([
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'int64', 'long', 'int32', 'int',
  'int16', 'short', 'int8', 'uint8', 'bool', 'complex64', 'complex128',
]);

/** Limits that keep a forged file from asking for absurd work. */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;
const MAX_DIMS = 64;
/** Elements a tensor may have: a stride-0 view may be larger than its storage, but not unaddressable. */
const MAX_NUMEL = 2n ** 50n;
/** How deep containers may nest in a checkpoint (deeper ones would only come from a forged file). */
export const MAX_DEPTH = 200;

export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
    readonly location: string,
  ) {}
  get nbytes(): number {
    return this.numel * ITEM_SIZE[this.dtype];
  }
}

/** A tensor as the pickle describes it: a view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly strides: number[],
    readonly requiresGrad: boolean,
  ) {}
  get dtype(): DType {
    return this.storage.dtype;
  }
  get numel(): number {
    return Number(shapeNumel(this.shape));
  }
  get nbytes(): number {
    return this.numel * ITEM_SIZE[this.dtype];
  }
}

export interface PthArchive {
  root: string;
  dir: ZipDirectory;
  /** The unpickled object: PyDict / arrays / scalars with TensorRef leaves. */
  object: unknown;
}

function intList(value: unknown, what: string): number[] {
  if (!isTuple(value) && !Array.isArray(value)) fail(`${what} is not a tuple of integers`);
  if (value.length > MAX_DIMS) fail(`${what} has ${value.length} dimensions (at most ${MAX_DIMS})`);
  return value.map((v, i) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(`${what}[${i}] is not an integer`);
    if (v < 0) fail(`${what}[${i}] is negative (${v})`);
    return v;
  });
}

/** Checks a view against its storage: every reachable element inside, no absurd element count. */
function checkView(storage: StorageRef, offset: unknown, size: unknown, stride: unknown): { offset: number; shape: number[]; strides: number[] } {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail(`tensor storage offset ${String(offset)} is not a non-negative integer`);
  const shape = intList(size, 'tensor size');
  const strides = intList(stride, 'tensor stride');
  if (shape.length !== strides.length) fail(`tensor size ${formatShape(shape)} and stride ${formatShape(strides)} differ in length`);
  const numel = shapeNumel(shape);
  if (numel > MAX_NUMEL) fail(`tensor size ${formatShape(shape)} is absurd (${numel} elements)`);
  if (offset > storage.numel) fail(`tensor storage offset ${offset} lies past storage '${storage.key}' of ${storage.numel} elements`);
  if (numel > 0n) {
    let last = BigInt(offset);
    for (let i = 0; i < shape.length; i++) last += BigInt(shape[i] - 1) * BigInt(strides[i]);
    if (last >= BigInt(storage.numel)) {
      fail(
        `tensor of size ${formatShape(shape)}, stride ${formatShape(strides)} at offset ${offset} reaches element ${last} ` +
          `of storage '${storage.key}', which has ${storage.numel}`,
      );
    }
  }
  return { offset, shape, strides };
}

function hooksFor(): UnpickleHooks {
  const storages = new Map<string, StorageRef>();
  return {
    allowGlobal(module, name) {
      if (module === 'collections' && (name === 'OrderedDict' || name === 'Counter')) return true;
      if (module === 'torch._utils') {
        return ['_rebuild_tensor_v2', '_rebuild_tensor', '_rebuild_parameter', '_rebuild_parameter_with_state'].includes(name);
      }
      if (module === 'torch') return Object.hasOwn(STORAGE_DTYPES, name) || TORCH_DTYPE_NAMES.has(name) || name === 'Size' || name === 'device';
      if (module === '_codecs' && name === 'encode') return true;
      return false;
    },

    reduce(fn, args) {
      const q = fn.qualname;
      if (q === 'collections.OrderedDict') {
        const d = new PyDict(true);
        if (args.length === 0) return d;
        if (args.length === 1 && (Array.isArray(args[0]) || isTuple(args[0]))) {
          for (const pair of args[0] as unknown[]) {
            if (!isTuple(pair) && !Array.isArray(pair)) fail('OrderedDict items are not pairs');
            if (pair.length !== 2) fail('OrderedDict items are not pairs');
            const k = pair[0];
            if (!(k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k))) fail('OrderedDict key is not a scalar');
            d.set(k as string, pair[1]);
          }
          return d;
        }
        fail('OrderedDict called with unsupported arguments');
      }
      // A Counter (MultiStepLR's milestones in a scheduler state) is a dict of counts.
      if (q === 'collections.Counter') {
        const d = new PyDict(false);
        if (args.length === 0) return d;
        if (args.length === 1 && args[0] instanceof PyDict) {
          for (const [k, v] of args[0]) {
            if (typeof v !== 'number' && typeof v !== 'bigint') fail('Counter values are not integers');
            d.set(k, v);
          }
          return d;
        }
        fail('Counter called with unsupported arguments');
      }
      if (q === 'torch._utils._rebuild_tensor_v2' || q === 'torch._utils._rebuild_tensor') {
        const v2 = q.endsWith('_v2');
        if (v2 ? args.length < 6 || args.length > 7 : args.length !== 4) fail(`${q} called with ${args.length} arguments`);
        const storage = args[0];
        if (!(storage instanceof StorageRef)) fail(`${q}: the first argument is not a storage`);
        const view = checkView(storage, args[1], args[2], args[3]);
        const requiresGrad = v2 ? args[4] : false;
        if (typeof requiresGrad !== 'boolean') fail(`${q}: requires_grad is not a bool`);
        if (v2 && !(args[5] instanceof PyDict)) fail(`${q}: backward_hooks is not a dict`);
        return new TensorRef(storage, view.offset, view.shape, view.strides, requiresGrad);
      }
      if (q === 'torch._utils._rebuild_parameter' || q === 'torch._utils._rebuild_parameter_with_state') {
        const n = q.endsWith('_with_state') ? 4 : 3;
        if (args.length !== n) fail(`${q} called with ${args.length} arguments`);
        const [data, requiresGrad] = args;
        if (!(data instanceof TensorRef)) fail(`${q}: the data is not a tensor`);
        if (typeof requiresGrad !== 'boolean') fail(`${q}: requires_grad is not a bool`);
        return new TensorRef(data.storage, data.offset, data.shape, data.strides, requiresGrad);
      }
      if (q === 'torch.Size') {
        if (args.length !== 1) fail('torch.Size called with unsupported arguments');
        return tuple([...intList(args[0], 'torch.Size')]);
      }
      if (q === 'torch.device') {
        if (args.length < 1 || args.length > 2 || typeof args[0] !== 'string') fail('torch.device called with unsupported arguments');
        return args.length === 2 && args[1] !== null ? `${args[0]}:${String(args[1])}` : args[0];
      }
      if (q === '_codecs.encode') {
        // How protocol 2 writes Python 3 bytes: _codecs.encode(latin-1 text, 'latin1').
        if (args.length !== 2 || typeof args[0] !== 'string' || !['latin1', 'latin-1'].includes(args[1] as string)) {
          fail('_codecs.encode called with unsupported arguments');
        }
        const s = args[0];
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          if (c > 255) fail('_codecs.encode: text is not latin-1');
          out[i] = c;
        }
        return out;
      }
      fail(`refusing to call '${q}' (REDUCE): it is not a tensor, storage or container constructor`);
    },

    persistentLoad(pid) {
      if (!isTuple(pid) || pid.length !== 5 || pid[0] !== 'storage') {
        fail(`unsupported persistent id (expected ('storage', type, key, location, numel))`);
      }
      const [, type, key, location, numel] = pid;
      if (!(type instanceof PyGlobal) || type.module !== 'torch' || !Object.hasOwn(STORAGE_DTYPES, type.name)) fail('persistent id names no storage type');
      const dtype = STORAGE_DTYPES[type.name];
      if (dtype === null) {
        fail(`storage type torch.${type.name} holds a dtype this library does not support (float32/64, float16, bfloat16, int32/64, uint8, bool)`);
      }
      if (typeof key !== 'string' || key.length === 0 || key.length > 256 || /[/\\]/.test(key) || key === '.' || key === '..') {
        fail(`storage key ${JSON.stringify(key)} is not a valid record name`);
      }
      if (typeof location !== 'string') fail(`storage '${key}': location is not a string`);
      if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) fail(`storage '${key}': element count ${String(numel)} is not a non-negative integer`);
      const known = storages.get(key);
      if (known !== undefined) {
        if (known.dtype !== dtype || known.numel !== numel) fail(`storage '${key}' is referenced with two different types or sizes`);
        return known;
      }
      const ref = new StorageRef(key, dtype, numel, location);
      storages.set(key, ref);
      return ref;
    },

    build(obj, state) {
      // OrderedDict state: its instance dict (a state_dict's `_metadata`).
      if (obj instanceof PyDict && (state instanceof PyDict || state === null)) {
        if (state instanceof PyDict) {
          obj.attributes = new Map();
          for (const [k, v] of state) {
            if (typeof k !== 'string') fail('object state has a non-string attribute name');
            obj.attributes.set(k, v);
          }
        }
        return true;
      }
      return false;
    },
  };
}

/** Says what a non-ZIP file is, for the error message. */
export function describeNonZip(head: Buffer): string {
  if (head[0] === 0x80 && head[1] !== undefined && head[1] <= 5) {
    return (
      'legacy format: this file was written by torch.save before PyTorch 1.6 (or with _use_new_zipfile_serialization=False), ' +
      'which is not supported; re-save it with a current PyTorch: torch.save(torch.load(f), f)'
    );
  }
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') {
    return 'legacy tar format (PyTorch before 0.4) is not supported; re-save it with a current PyTorch';
  }
  return 'not a PyTorch checkpoint: no ZIP signature (torch.save writes a ZIP archive; .safetensors files need the .safetensors extension)';
}

// caffe2::serialize kMinSupportedFileFormatVersion / kMaxSupportedFileFormatVersion in PyTorch 1.13.
const MIN_FILE_VERSION = 1;
const MAX_FILE_VERSION = 10;

/** Opens the archive and unpickles data.pkl into TensorRef placeholders (no tensor bytes read). */
export function readPthStructure(file: InputFile): PthArchive {
  const head = file.read(0, Math.min(file.size, 512), 'the file header');
  if (head.readUInt32LE(0) !== 0x04034b50 && head.readUInt32LE(0) !== 0x06054b50) {
    if (head[0] === 0x80 || !head.subarray(0, 2).equals(Buffer.from('PK'))) fail(describeNonZip(head));
  }
  const dir = readZipDirectory(file);
  if (dir.entries.size === 0) fail('the ZIP archive holds no records');
  // PyTorch's reader: the archive's root folder is the first record's folder.
  const first = dir.entries.keys().next().value as string;
  const slash = first.indexOf('/');
  if (slash <= 0) fail(`record '${first}' is not inside a folder, so this is not a torch.save archive`);
  const root = first.slice(0, slash);
  if (dir.entries.has(`${root}/constants.pkl`) || [...dir.entries.keys()].some((k) => k.startsWith(`${root}/code/`))) {
    fail('this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save the state_dict with torch.save instead');
  }
  const pkl = dir.entries.get(`${root}/data.pkl`);
  if (pkl === undefined) fail(`no '${root}/data.pkl' record: not a torch.save archive`);
  const byteorder = dir.entries.get(`${root}/byteorder`);
  if (byteorder !== undefined) {
    const order = readEntry(file, dir, byteorder, 64).toString('latin1').trim();
    if (order === 'big') fail('big-endian checkpoints are not supported (the file says byteorder=big)');
    if (order !== 'little') fail(`unknown byteorder '${order}'`);
  }
  const object = unpickle(readEntry(file, dir, pkl, MAX_PICKLE_BYTES), hooksFor());
  // PyTorch's reader refuses a file whose version record it cannot read
  // ("failed reading file version"); every other record's
  // local header is checked too, so damage anywhere in the headers is found
  // at load time, not only in the records a load happens to read.
  const versionEntry = dir.entries.get(`${root}/version`) ?? dir.entries.get(`${root}/.data/version`);
  if (versionEntry === undefined) fail(`no '${root}/version' record: not a torch.save archive`);
  const versionText = readEntry(file, dir, versionEntry, 64).toString('latin1').trim();
  const version = /^\d{1,9}$/.test(versionText) ? Number(versionText) : NaN;
  if (!(version >= MIN_FILE_VERSION && version <= MAX_FILE_VERSION)) {
    fail(`unsupported file version '${versionText.slice(0, 20)}' (this reader supports ${MIN_FILE_VERSION} to ${MAX_FILE_VERSION}, like PyTorch 1.13)`);
  }
  for (const entry of dir.entries.values()) entryDataOffset(file, dir, entry);
  return { root, dir, object };
}

/**
 * Walks a value with cycle and depth guards. `visit` sees every node once;
 * returning false skips what the node contains.
 */
export function walk(value: unknown, visit: (v: unknown, path: string[]) => boolean | void): void {
  const seen = new Set<unknown>();
  const go = (v: unknown, path: string[]): void => {
    if (path.length > MAX_DEPTH) fail(`containers nest deeper than ${MAX_DEPTH} levels`);
    // Containers once (a pickle may hold cycles); leaves such as a tensor
    // stored under two names are seen under each name.
    if (v instanceof PyDict || Array.isArray(v)) {
      if (seen.has(v)) return;
      seen.add(v);
    }
    if (visit(v, path) === false) return;
    if (v instanceof PyDict) for (const [k, c] of v) go(c, [...path, String(k)]);
    else if (Array.isArray(v)) v.forEach((c, i) => go(c, [...path, String(i)]));
  };
  go(value, []);
}

/**
 * Reads the storages the given tensors use (each once, straight into tensor
 * memory, CRC-checked) and makes each tensor as a view of its storage.
 * On failure, everything made so far is freed.
 */
export function materialize(file: InputFile, archive: PthArchive, refs: Iterable<TensorRef>): Map<TensorRef, Tensor> {
  const storages = new Map<StorageRef, NativeTensor>();
  const out = new Map<TensorRef, Tensor>();
  try {
    for (const ref of refs) {
      if (out.has(ref)) continue;
      let storage = storages.get(ref.storage);
      if (storage === undefined) {
        const s = ref.storage;
        const name = `${archive.root}/data/${s.key}`;
        const entry = archive.dir.entries.get(name);
        if (entry === undefined) fail(`storage record '${name}' is missing`);
        if (entry.size !== s.nbytes) fail(`storage record '${name}' is ${entry.size} bytes but ${s.numel} ${s.dtype} elements need ${s.nbytes}`);
        const offset = entryDataOffset(file, archive.dir, entry);
        storage = native.readStorage(file.fd, offset, entry.size, s.dtype, entry.crc32);
        storages.set(s, storage);
      }
      const view = native.asStrided(storage, ref.shape, ref.strides, ref.offset);
      const t = Tensor._wrap(view);
      out.set(ref, t);
      if (ref.requiresGrad) {
        if (ref.dtype !== 'float32' && ref.dtype !== 'float64' && ref.dtype !== 'float16' && ref.dtype !== 'bfloat16') {
          fail(`a tensor of dtype ${ref.dtype} is marked requires_grad (only floating point tensors can require gradients)`);
        }
        t.requiresGrad = true;
      }
    }
  } catch (error) {
    for (const t of out.values()) t.dispose();
    throw error;
  } finally {
    // The views hold their storage alive; the whole-storage handles are not needed.
    for (const s of storages.values()) s.dispose();
  }
  return out;
}

/** Collects the TensorRefs in a value (bare storages become 1-D tensors over the whole storage). */
export function tensorRefs(value: unknown): TensorRef[] {
  const refs: TensorRef[] = [];
  walk(value, (v) => {
    if (v instanceof TensorRef) refs.push(v);
    else if (v instanceof StorageRef) refs.push(storageAsTensor(v));
  });
  return refs;
}

const storageTensors = new WeakMap<StorageRef, TensorRef>();
function storageAsTensor(s: StorageRef): TensorRef {
  let t = storageTensors.get(s);
  if (t === undefined) {
    t = new TensorRef(s, 0, [s.numel], [1], false);
    storageTensors.set(s, t);
  }
  return t;
}

/** A value of a checkpoint as JavaScript sees it. */
export type CheckpointValue =
  | Tensor
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | CheckpointValue[]
  | { [key: string]: CheckpointValue }
  | Map<string | number | bigint | boolean | null, CheckpointValue>;

/**
 * Converts the unpickled object to JavaScript: dicts with string keys become
 * plain objects (others a Map), lists and tuples arrays, torch dtypes strings.
 */
export function toJs(value: unknown, tensors: Map<TensorRef, Tensor>): CheckpointValue {
  const done = new Map<unknown, CheckpointValue>();
  const go = (v: unknown, depth: number): CheckpointValue => {
    if (depth > MAX_DEPTH) fail(`containers nest deeper than ${MAX_DEPTH} levels`);
    if (v === null || typeof v !== 'object') return v as CheckpointValue;
    const known = done.get(v);
    if (known !== undefined) return known;
    if (v instanceof TensorRef) return tensors.get(v)!;
    if (v instanceof StorageRef) return tensors.get(storageAsTensor(v))!;
    if (v instanceof PyGlobal) return v.qualname;
    if (v instanceof Uint8Array) return v;
    if (Array.isArray(v)) {
      const out: CheckpointValue[] = [];
      done.set(v, out);
      for (const c of v) out.push(go(c, depth + 1));
      return out;
    }
    if (v instanceof PyDict) {
      if ([...v.keys()].every((k) => typeof k === 'string')) {
        const out: { [key: string]: CheckpointValue } = {};
        done.set(v, out);
        for (const [k, c] of v) setKey(out, k as string, go(c, depth + 1));
        return out;
      }
      const out = new Map<string | number | bigint | boolean | null, CheckpointValue>();
      done.set(v, out);
      for (const [k, c] of v) out.set(k, go(c, depth + 1));
      return out;
    }
    fail(`unexpected ${typeof v} in the checkpoint`);
  };
  return go(value, 0);
}

/** 'an int', 'a dict', ... for messages. */
function kindOf(v: unknown): string {
  const k = pyType(v);
  return /^[aeiou]/.test(k) ? `an ${k}` : `a ${k}`;
}

function pyType(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PyDict) return 'dict';
  if (isTuple(v)) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyGlobal) return v.qualname;
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  return typeof v;
}

/**
 * The state dict inside a checkpoint: the object itself when it maps names to
 * tensors, or its 'state_dict' / 'model' entry (the common training-checkpoint layouts).
 */
export function stateDictOf(object: unknown): Map<string, TensorRef> {
  if (!(object instanceof PyDict)) fail(`the file holds ${kindOf(object)}, not a dict of tensors`);
  let sd: PyDict = object;
  let where = '';
  for (const key of ['state_dict', 'model', 'model_state_dict']) {
    const inner = object.get(key);
    if (inner instanceof PyDict) {
      sd = inner;
      where = ` of the '${key}' entry`;
      break;
    }
  }
  const out = new Map<string, TensorRef>();
  for (const [k, v] of sd) {
    if (typeof k !== 'string') fail(`the state dict${where} has a non-string key ${String(k)}`);
    if (v instanceof TensorRef) out.set(k, v);
    else if (v instanceof StorageRef) out.set(k, storageAsTensor(v));
    else {
      fail(
        `entry '${k}'${where} is ${kindOf(v)}, not a tensor: load() returns a flat state dict of tensors ` +
          "(a checkpoint may keep one under 'state_dict' or 'model'); use loadCheckpoint() for the whole object",
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Writing

interface SaveOptions {
  /** Write the top-level dict as collections.OrderedDict (torch.save(model.state_dict()) does). */
  ordered: boolean;
  /** ZIP64 records even for small files (tests of the ZIP64 path). */
  forceZip64?: boolean;
}

/**
 * Pickles `value` (tensors, plain objects, Maps, arrays, numbers, strings,
 * booleans, null) as torch.save does and writes the archive (atomically).
 */
export function writePth(path: string, value: unknown, options: SaveOptions): void {
  const pickler = new Pickler();
  const tensors: Tensor[] = [];
  const tensorMemo = new Map<Tensor, number>();
  const active = new Set<unknown>();

  const save = (v: unknown, where: string, depth: number, ordered: boolean): void => {
    if (depth > MAX_DEPTH) throw argError(`containers nest deeper than ${MAX_DEPTH} levels at '${where}'`);
    if (v === null || v === undefined) return pickler.none();
    if (typeof v === 'boolean') return pickler.bool(v);
    if (typeof v === 'bigint') return pickler.int(v);
    if (typeof v === 'number') {
      // JavaScript has one number type: whole numbers are written as Python ints.
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? pickler.int(v) : pickler.float(v);
    }
    if (typeof v === 'string') return pickler.str(v);
    if (v instanceof Tensor) {
      if (v.isDisposed) throw argError(`the tensor at '${where}' is disposed`);
      const memo = tensorMemo.get(v);
      if (memo !== undefined) return pickler.get(memo);
      const key = String(tensors.length);
      tensors.push(v);
      pickler.global('torch._utils', '_rebuild_tensor_v2');
      pickler.tuple(6, () => {
        // the storage, as a persistent id
        pickler.tuple(5, () => {
          pickler.str('storage');
          pickler.global('torch', DTYPE_STORAGE[v.dtype]);
          pickler.str(key);
          pickler.str('cpu');
          pickler.int(v.numel);
        });
        pickler.binPersId();
        pickler.int(0);
        pickler.intTuple(v.shape);
        pickler.intTuple(contiguousStrides(v.shape));
        pickler.bool(v.requiresGrad);
        pickler.global('collections', 'OrderedDict');
        pickler.tuple(0, () => {});
        pickler.reduce();
      });
      pickler.reduce();
      tensorMemo.set(v, pickler.memoize());
      return;
    }
    if (typeof v !== 'object') throw argError(`cannot save a ${typeof v} (at '${where}')`);
    if (active.has(v)) throw argError(`the object at '${where}' contains itself`);
    active.add(v);
    if (Array.isArray(v)) {
      pickler.emptyList();
      if (v.length > 0) {
        pickler.mark();
        v.forEach((c, i) => save(c, `${where}.${i}`, depth + 1, false));
        pickler.appends();
      }
    } else if (v instanceof Map || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
      const entries: [unknown, unknown][] = v instanceof Map ? [...v.entries()] : Object.entries(v);
      if (ordered) {
        pickler.global('collections', 'OrderedDict');
        pickler.tuple(0, () => {});
        pickler.reduce();
      } else {
        pickler.emptyDict();
      }
      if (entries.length > 0) {
        pickler.mark();
        for (const [k, c] of entries) {
          if (!(k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k))) {
            throw argError(`a Map key at '${where}' is a ${typeof k} (keys must be strings, numbers, booleans or null)`);
          }
          save(k, where, depth + 1, false);
          save(c, where === '' ? String(k) : `${where}.${String(k)}`, depth + 1, false);
        }
        pickler.setItems();
      }
    } else {
      throw argError(`cannot save a ${(v as object).constructor?.name ?? 'object'} (at '${where}'); only tensors, plain objects, Maps, arrays, numbers, strings, booleans and null`);
    }
    active.delete(v);
  };
  save(value, '', 0, options.ordered);
  const pkl = pickler.finish();

  writeAtomically(path, (_write, fd) => {
    const zip = new ZipWriter(fd, options.forceZip64);
    zip.add('archive/data.pkl', pkl);
    zip.add('archive/byteorder', Buffer.from('little'));
    // One tensor's bytes in memory at a time.
    tensors.forEach((t, i) => zip.add(`archive/data/${i}`, tensorBytes(t)));
    zip.add('archive/version', Buffer.from('3\n'));
    zip.finish();
  });
}
