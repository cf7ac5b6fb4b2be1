// A restricted unpickler and a small pickler: the subset of Python's pickle
// (protocols 2 to 5) that torch.save writes.
//
// Safety model (PyTorch's weights_only=True): a pickle is a program for a
// stack machine, and Python's own unpickler will import and call any global
// the program names. This one calls nothing: GLOBAL is accepted only for the
// names the caller allows, REDUCE / BUILD / persistent ids are handed to the
// caller's hooks, and every other opcode that could construct an arbitrary
// object (INST, OBJ, NEWOBJ, EXT*) is refused. Every length is checked against
// the bytes left, the machine has no recursion, and its work is linear in the
// input size, so a forged pickle can only end in a BadFile.

import { fail, printable } from './common.js';

/** A global the pickle referenced (`module.name`), after the allowlist let it through. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A Python dict (or OrderedDict): keys in insertion order, of any hashable scalar type. */
export class PyDict extends Map<PyKey, unknown> {
  /** Instance attributes set by BUILD (an OrderedDict's `_metadata`). */
  attributes: Map<string, unknown> | undefined;
  constructor(readonly ordered = false) {
    super();
  }
}

export type PyKey = string | number | bigint | boolean | null;

/** Tuples are frozen arrays; lists are plain arrays. */
export function isTuple(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

export function tuple(items: unknown[]): readonly unknown[] {
  return Object.freeze(items);
}

export interface UnpickleHooks {
  /** Whether `module.name` may be referenced at all (the allowlist). */
  allowGlobal(module: string, name: string): boolean;
  /** REDUCE: calls an allowed global with its arguments. */
  reduce(fn: PyGlobal, args: readonly unknown[]): unknown;
  /** BINPERSID: resolves a persistent id (torch's storages). */
  persistentLoad(pid: unknown): unknown;
  /** BUILD: sets an object's state; return false to refuse. */
  build(obj: unknown, state: unknown): boolean;
}

const MARK = Symbol('mark');

function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (v === MARK) return 'MARK';
  if (v instanceof PyGlobal) return v.qualname;
  if (v instanceof PyDict) return 'dict';
  if (isTuple(v)) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v === 'number' ? 'float' : typeof v === 'bigint' ? 'int' : typeof v;
}

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT',
  0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID',
  0x51: 'BINPERSID', 0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT',
  0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET',
  0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT',
  0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1',
  0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4',
  0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** Little-endian two's-complement integer of LONG1 / LONG4; a number when it is exact. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Python ints above this many bytes (LONG1/LONG4) are refused: no checkpoint needs them. */
const MAX_LONG_BYTES = 64;
/** Longest module / class name in a GLOBAL. */
const MAX_GLOBAL_NAME = 256;

/**
 * Runs the pickle program in `data` and returns the object it builds.
 * Throws a BadFile for anything outside the supported subset.
 */
export function unpickle(data: Uint8Array, hooks: UnpickleHooks): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;

  const need = (n: number, what: string): void => {
    if (n < 0 || pos + n > data.length) fail(`pickle is truncated: ${what} needs ${n} bytes at offset ${pos} but ${data.length - pos} remain`);
  };
  const u8 = (): number => {
    need(1, 'an argument');
    return data[pos++];
  };
  const u16 = (): number => {
    need(2, 'an argument');
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4, 'an argument');
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (what: string): number => {
    need(8, what);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) fail(`pickle: ${what} ${v} is larger than the pickle`);
    return Number(v);
  };
  const bytes = (n: number, what: string): Uint8Array => {
    need(n, what);
    const out = data.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const text = (n: number, what: string): string => {
    const b = bytes(n, what);
    try {
      return utf8.decode(b);
    } catch {
      fail(`pickle: ${what} at offset ${pos - n} is not valid UTF-8`);
    }
  };
  const line = (what: string): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0 || end - pos > MAX_GLOBAL_NAME) fail(`pickle: ${what} at offset ${pos} is not a newline-terminated name`);
    const s = Buffer.from(data.subarray(pos, end)).toString('latin1');
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) fail(`pickle: stack underflow at offset ${pos - 1}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) fail(`pickle: stack underflow at offset ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail(`pickle: missing MARK before offset ${pos - 1}`);
    return stack.splice(m);
  };
  const put = (index: number): void => {
    memo.set(index, top());
  };
  const get = (index: number): void => {
    if (!memo.has(index)) fail(`pickle: memo key ${index} is not defined (offset ${pos})`);
    stack.push(memo.get(index));
  };
  const global = (module: string, name: string): PyGlobal => {
    if (!hooks.allowGlobal(module, name)) {
      fail(
        `refusing to load global '${printable(`${module}.${name}`)}': only tensors, storages and plain containers ` +
          '(dict, OrderedDict, list, tuple, str, int, float, bool, None) are allowed, so a checkpoint can never run code ' +
          '(if this is a pickled nn.Module or optimizer object, save its state_dict() instead)',
      );
    }
    return new PyGlobal(module, name);
  };
  const key = (k: unknown): PyKey => {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return k;
    fail(`pickle: a dict key of type ${typeName(k)} is not supported`);
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof PyDict)) fail(`pickle: SETITEM on a ${typeName(dict)}, not a dict`);
    if (items.length % 2 !== 0) fail('pickle: SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) dict.set(key(items[i]), items[i + 1]);
  };
  const append = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list) || isTuple(list)) fail(`pickle: APPEND on a ${typeName(list)}, not a list`);
    for (const item of items) (list as unknown[]).push(item);
  };

  for (;;) {
    if (pos >= data.length) fail('pickle is truncated: no STOP opcode');
    const at = pos;
    const op = data[pos++];
    switch (op) {
      case 0x80: {
        // PROTO
        const v = u8();
        if (v < 2 || v > 5) fail(`pickle protocol ${v} is not supported (torch.save writes protocol 2)`);
        break;
      }
      case 0x95: // FRAME: a length prefix only
        u64('frame length');
        break;
      case 0x2e: {
        // STOP
        if (marks.length > 0) fail('pickle: STOP inside an unclosed MARK');
        if (stack.length !== 1) fail(`pickle: STOP with ${stack.length} values on the stack (expected 1)`);
        return stack[0];
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: {
        // BININT
        need(4, 'BININT');
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      }
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: {
        // LONG1
        const n = u8();
        if (n > MAX_LONG_BYTES) fail(`pickle: integer of ${n} bytes is too large`);
        stack.push(decodeLong(bytes(n, 'LONG1')));
        break;
      }
      case 0x8b: {
        // LONG4
        const n = u32();
        if (n > MAX_LONG_BYTES) fail(`pickle: integer of ${n} bytes is too large`);
        stack.push(decodeLong(bytes(n, 'LONG4')));
        break;
      }
      case 0x47: {
        // BINFLOAT (big-endian)
        need(8, 'BINFLOAT');
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(text(u32(), 'BINUNICODE'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8(), 'SHORT_BINUNICODE'));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64('BINUNICODE8 length'), 'BINUNICODE8'));
        break;
      case 0x54: // BINSTRING (Python 2 str): bytes as latin-1 text
        stack.push(Buffer.from(bytes(u32(), 'BINSTRING')).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(Buffer.from(bytes(u8(), 'SHORT_BINSTRING')).toString('latin1'));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32(), 'BINBYTES').slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8(), 'SHORT_BINBYTES').slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(bytes(u64('BINBYTES8 length'), 'BINBYTES8').slice());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(tuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new PyDict();
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        get(u8());
        break;
      case 0x6a: // LONG_BINGET
        get(u32());
        break;
      case 0x63: {
        // GLOBAL
        const module = line('GLOBAL module');
        const name = line('GLOBAL name');
        stack.push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('pickle: STACK_GLOBAL needs two strings');
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal)) fail(`pickle: REDUCE calls a ${typeName(fn)}, not an allowed global`);
        if (!isTuple(args)) fail(`pickle: REDUCE arguments for ${fn.qualname} are a ${typeName(args)}, not a tuple`);
        stack.push(hooks.reduce(fn, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (!hooks.build(obj, state)) fail(`pickle: refusing to set the state of a ${typeName(obj)} (BUILD)`);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      default: {
        const name = OPCODE_NAMES[op];
        if (name !== undefined) {
          fail(`pickle opcode ${name} at offset ${at} is not supported (it constructs arbitrary objects or is not written by torch.save)`);
        }
        fail(`pickle: unknown opcode 0x${op.toString(16).padStart(2, '0')} at offset ${at} (corrupt data?)`);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Pickler (protocol 2, as torch.save writes it)

/** A value the pickler knows how to write; hooks handle the rest (tensors). */
export class Pickler {
  private readonly parts: Uint8Array[] = [];
  private buf = Buffer.alloc(1 << 16);
  private len = 0;
  private memoCount = 0;
  private readonly globalMemo = new Map<string, number>();

  constructor() {
    this.byte(0x80);
    this.byte(2); // PROTO 2
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    this.parts.push(this.buf.subarray(0, this.len));
    this.buf = Buffer.alloc(Math.max(1 << 16, n));
    this.len = 0;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  private raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  mark(): void {
    this.byte(0x28);
  }
  /** Stores the top of the stack in the memo; returns its index for `get`. */
  memoize(): number {
    const index = this.memoCount++;
    if (index < 256) {
      this.byte(0x71);
      this.byte(index);
    } else {
      this.ensure(5);
      this.buf[this.len++] = 0x72;
      this.buf.writeUInt32LE(index, this.len);
      this.len += 4;
    }
    return index;
  }
  get(index: number): void {
    if (index < 256) {
      this.byte(0x68);
      this.byte(index);
    } else {
      this.ensure(5);
      this.buf[this.len++] = 0x6a;
      this.buf.writeUInt32LE(index, this.len);
      this.len += 4;
    }
  }

  none(): void {
    this.byte(0x4e);
  }
  bool(v: boolean): void {
    this.byte(v ? 0x88 : 0x89);
  }
  int(v: number | bigint): void {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`cannot pickle ${v} as an int`);
    const n = BigInt(v);
    if (n >= 0n && n < 256n) {
      this.byte(0x4b);
      this.byte(Number(n));
    } else if (n >= 0n && n < 65536n) {
      this.byte(0x4d);
      this.ensure(2);
      this.buf.writeUInt16LE(Number(n), this.len);
      this.len += 2;
    } else if (n >= -(2n ** 31n) && n < 2n ** 31n) {
      this.byte(0x4a);
      this.ensure(4);
      this.buf.writeInt32LE(Number(n), this.len);
      this.len += 4;
    } else {
      // LONG1: minimal little-endian two's complement
      const out: number[] = [];
      let x = n;
      for (;;) {
        out.push(Number(x & 0xffn));
        x >>= 8n;
        const last = out[out.length - 1];
        if ((x === 0n && (last & 0x80) === 0) || (x === -1n && (last & 0x80) !== 0)) break;
      }
      this.byte(0x8a);
      this.byte(out.length);
      this.raw(Uint8Array.from(out));
    }
  }
  float(v: number): void {
    this.byte(0x47);
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.len);
    this.len += 8;
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.byte(0x58);
    this.ensure(4);
    this.buf.writeUInt32LE(b.length, this.len);
    this.len += 4;
    this.raw(b);
  }
  /** GLOBAL, memoized so each name is written once. */
  global(module: string, name: string): void {
    const qual = `${module}\n${name}\n`;
    const memo = this.globalMemo.get(qual);
    if (memo !== undefined) {
      this.get(memo);
      return;
    }
    this.byte(0x63);
    this.raw(Buffer.from(qual, 'latin1'));
    this.globalMemo.set(qual, this.memoize());
  }
  /** Writes a tuple whose items `items` writes (EMPTY_TUPLE / TUPLE1-3 / MARK..TUPLE). */
  tuple(count: number, items: () => void): void {
    if (count === 0) {
      this.byte(0x29);
      return;
    }
    if (count > 3) this.mark();
    items();
    this.byte(count === 1 ? 0x85 : count === 2 ? 0x86 : count === 3 ? 0x87 : 0x74);
  }
  intTuple(values: readonly number[]): void {
    this.tuple(values.length, () => values.forEach((v) => this.int(v)));
  }
  emptyDict(): void {
    this.byte(0x7d);
  }
  emptyList(): void {
    this.byte(0x5d);
  }
  setItems(): void {
    this.byte(0x75);
  }
  appends(): void {
    this.byte(0x65);
  }
  reduce(): void {
    this.byte(0x52);
  }
  binPersId(): void {
    this.byte(0x51);
  }

  /** STOP, and the whole program. */
  finish(): Buffer {
    this.byte(0x2e);
    this.parts.push(this.buf.subarray(0, this.len));
    return Buffer.concat(this.parts);
  }
}
