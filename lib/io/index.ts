// Checkpoints in and out: torch.save's .pth/.pt (ZIP + restricted pickle),
// .safetensors, and .npy for single tensors.
//
// Every failure names the function, the file and the problem:
//   load: model.pth: refusing to load global 'os.system': ...
// A bad file is always an exception, never a crash: every offset and length
// is checked before the addon sees it, and the addon checks again.

import { extname } from 'node:path';

import { Tensor } from '../tensor.js';
import { checkPath, fail, type InputFile, type Op, setKey, withContext, withInputFile } from './common.js';
import { isTuple, PyDict, PyGlobal } from './pickle.js';
import { type CheckpointValue, materialize, readPthStructure, StorageRef, stateDictOf, TensorRef, tensorRefs, toJs, walk, writePth } from './pth.js';
import { looksLikeSafetensors, readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';

export { loadNpy, saveNpy } from './npy.js';
export type { CheckpointValue } from './pth.js';

type Format = 'pth' | 'safetensors';

/** Which parser a file gets: its first bytes decide, its extension breaks ties. */
function formatOf(file: InputFile, path: string): Format {
  const head = file.read(0, Math.min(file.size, 16), 'the file header');
  const ext = extname(path).toLowerCase();
  if (head.subarray(0, 6).equals(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]))) {
    fail('this is a NumPy .npy file; read it with loadNpy()');
  }
  if (head.subarray(0, 2).toString('latin1') === 'PK') return 'pth';
  if (ext === '.safetensors') return 'safetensors';
  if (looksLikeSafetensors(head, file.size)) return 'safetensors';
  // Unknown extensions and .pth alike go to the ZIP reader, whose error says what the file is not.
  return 'pth';
}

/**
 * Loads a state dict: name -> tensor, on the CPU.
 *
 * Reads PyTorch's torch.save files (.pth / .pt, e.g. torchvision's published
 * weights; a checkpoint dict holding 'state_dict' or 'model' gives that entry)
 * and .safetensors. Pickled data passes a restricted unpickler: only tensors,
 * storages and plain containers, so loading a file can never run code.
 * Tensors that shared a storage in PyTorch share memory here too.
 *
 * @example
 * const sd = torch.load('resnet50-0676ba61.pth');
 * model.loadStateDict(sd);
 */
export function load(path: string): Record<string, Tensor> {
  checkPath('load', path);
  return withContext('load', path, () =>
    withInputFile(path, (file) => {
      if (formatOf(file, path) === 'safetensors') return readSafetensors(file);
      const archive = readPthStructure(file);
      const sd = stateDictOf(archive.object);
      const tensors = materialize(file, archive, sd.values());
      const out: Record<string, Tensor> = {};
      for (const [k, ref] of sd) setKey(out, k, tensors.get(ref)!);
      return out;
    }),
  );
}

/**
 * Loads a whole checkpoint object: nested dicts (plain objects; a Map where
 * keys are not all strings), lists, numbers, strings and tensors, e.g.
 * { model, optimizer, epoch } as a training loop saved it. A .safetensors
 * file gives its flat record.
 *
 * @example
 * const ckpt = torch.loadCheckpoint('last.pth') as { model: Record<string, Tensor>; epoch: number };
 */
export function loadCheckpoint(path: string): CheckpointValue {
  checkPath('loadCheckpoint', path);
  return withContext('loadCheckpoint', path, () =>
    withInputFile(path, (file) => {
      if (formatOf(file, path) === 'safetensors') return readSafetensors(file);
      const archive = readPthStructure(file);
      return toJs(archive.object, materialize(file, archive, tensorRefs(archive.object)));
    }),
  );
}

function checkRecord(op: Op, record: unknown): asserts record is Record<string, Tensor> {
  if (record === null || typeof record !== 'object' || Array.isArray(record) || record instanceof Tensor) {
    throw new TypeError(`${op}: expected an object of name -> Tensor for record but received ${record === null ? 'null' : Array.isArray(record) ? 'Array' : record instanceof Tensor ? 'Tensor' : typeof record}`);
  }
}

/**
 * Saves name -> tensor, in the format the extension names: .safetensors, or
 * .pth / .pt (the ZIP format of torch.save, which Python's torch.load reads,
 * with weights_only=True too). The file is written atomically.
 *
 * @example
 * torch.save('resnet18.safetensors', model.stateDict());
 * torch.save('resnet18.pth', model.stateDict());
 */
export function save(path: string, record: Record<string, Tensor>, options: { metadata?: Record<string, string> } = {}): void {
  checkPath('save', path);
  checkRecord('save', record);
  const ext = extname(path).toLowerCase();
  if (ext !== '.safetensors' && ext !== '.pth' && ext !== '.pt') {
    throw new TypeError(`save: ${path}: unknown extension '${ext}' (use .safetensors, .pth or .pt; .npy is saveNpy)`);
  }
  for (const [k, v] of Object.entries(record)) {
    if (!(v instanceof Tensor)) throw new TypeError(`save: ${path}: entry '${k}' is ${v === null ? 'null' : typeof v}, not a Tensor (saveCheckpoint() takes nested values)`);
    if (v.isDisposed) throw new TypeError(`save: ${path}: entry '${k}' is a disposed Tensor`);
  }
  if (options.metadata !== undefined) {
    if (ext !== '.safetensors') throw new TypeError(`save: ${path}: metadata is only stored in .safetensors files`);
    for (const [k, v] of Object.entries(options.metadata)) {
      if (typeof v !== 'string') throw new TypeError(`save: ${path}: metadata '${k}' is ${typeof v}, not a string`);
    }
  }
  withContext('save', path, () => {
    if (ext === '.safetensors') writeSafetensors(path, record, { format: 'pt', ...options.metadata });
    else writePth(path, record, { ordered: true });
  });
}

/**
 * Saves a nested checkpoint (objects, Maps, arrays, numbers, strings,
 * booleans, null and tensors) as a torch.save .pth/.pt file, e.g.
 * { model: model.stateDict(), optimizer: ..., epoch }. Whole numbers are
 * written as Python ints, other numbers as floats.
 *
 * @example torch.saveCheckpoint('last.pth', { model: model.stateDict(), epoch: 3 });
 */
export function saveCheckpoint(
  path: string,
  value: unknown,
  options: {
    /** @internal ZIP64 records even for a small file (tests of the >4 GiB path). */
    forceZip64?: boolean;
  } = {},
): void {
  checkPath('saveCheckpoint', path);
  const ext = extname(path).toLowerCase();
  if (ext !== '.pth' && ext !== '.pt') {
    throw new TypeError(`saveCheckpoint: ${path}: nested checkpoints are written as .pth or .pt (for flat tensors, save() also writes .safetensors)`);
  }
  withContext('saveCheckpoint', path, () => writePth(path, value, { ordered: false, forceZip64: options.forceZip64 }));
}

/** What a checkpoint file holds, without reading its tensor bytes. */
export interface FileSummary {
  format: 'pth' | 'safetensors';
  fileBytes: number;
  tensors: { key: string; dtype: string; shape: number[]; bytes: number }[];
  /** Non-tensor leaves of a .pth checkpoint (epoch numbers, strings, ...). */
  values: { key: string; value: string }[];
  /** Sum of the tensors' bytes (numel x element size). */
  tensorBytes: number;
  /** Bytes of distinct storages (views of one storage counted once). */
  storageBytes: number;
  metadata?: Record<string, string>;
}

function scalarText(v: unknown): string | undefined {
  if (v === null) return 'None';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof PyGlobal) return v.qualname;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (v instanceof PyDict && v.size === 0) return '{}';
  if (Array.isArray(v) && v.length === 0) return isTuple(v) ? '()' : '[]';
  return undefined;
}

/**
 * Lists a .pth/.pt or .safetensors file's tensors (key, dtype, shape, bytes)
 * and other values, reading only headers and the pickle (what
 * `libtorch-resnet inspect` prints).
 * @example for (const t of torch.inspectFile('resnet50.pth').tensors) console.log(t.key, t.shape);
 */
export function inspectFile(path: string): FileSummary {
  checkPath('inspect', path);
  return withContext('inspect', path, () =>
    withInputFile(path, (file): FileSummary => {
      if (formatOf(file, path) === 'safetensors') {
        const header = readSafetensorsHeader(file);
        const tensors = header.entries.map((e) => ({ key: e.key, dtype: e.dtype, shape: e.shape, bytes: e.end - e.begin }));
        const total = tensors.reduce((n, t) => n + t.bytes, 0);
        return { format: 'safetensors', fileBytes: file.size, tensors, values: [], tensorBytes: total, storageBytes: total, metadata: header.metadata };
      }
      const archive = readPthStructure(file);
      const tensors: FileSummary['tensors'] = [];
      const values: FileSummary['values'] = [];
      const storages = new Set<StorageRef>();
      walk(archive.object, (v, keyPath) => {
        const key = keyPath.join('.');
        if (v instanceof TensorRef || v instanceof StorageRef) {
          const t = v instanceof TensorRef ? v : new TensorRef(v, 0, [v.numel], [1], false);
          tensors.push({ key, dtype: t.dtype, shape: t.shape, bytes: t.nbytes });
          storages.add(t.storage);
          return;
        }
        let text = scalarText(v);
        if (text === undefined && Array.isArray(v) && v.every((x) => scalarText(x) !== undefined && !Array.isArray(x) && !(x instanceof PyDict))) {
          // A list of scalars (an optimizer's param ids, a loss history) is one value.
          const [open, close] = isTuple(v) ? ['(', ')'] : ['[', ']'];
          const items = v.map((x) => scalarText(x)!);
          text = items.join(', ').length <= 60 ? `${open}${items.join(', ')}${close}` : `${open}${items.slice(0, 6).join(', ')}, ... ${v.length} items${close}`;
        }
        if (text !== undefined) {
          values.push({ key: key === '' ? '(root)' : key, value: text });
          return false;
        }
        return true;
      });
      return {
        format: 'pth',
        fileBytes: file.size,
        tensors,
        values,
        tensorBytes: tensors.reduce((n, t) => n + t.bytes, 0),
        storageBytes: [...storages].reduce((n, s) => n + s.nbytes, 0),
      };
    }),
  );
}
