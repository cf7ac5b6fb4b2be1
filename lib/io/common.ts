// What the file formats share: the error every bad file becomes, a bounds-checked
// view of an open file, CRC-32, and key assignment that cannot touch a prototype.

import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import * as zlib from 'node:zlib';

import { type DType, Tensor } from '../tensor.js';

/**
 * A problem with a file's contents. Parsers throw it with the problem alone;
 * the public function that caught it adds `<op>: <path>: ` in front.
 */
export class BadFile extends Error {
  override name = 'Error';
}

export function fail(problem: string): never {
  throw new BadFile(problem);
}

/** The public functions' names, the prefix of every message they throw. */
export type Op = 'load' | 'loadCheckpoint' | 'save' | 'saveCheckpoint' | 'loadNpy' | 'saveNpy' | 'inspect';

/**
 * Re-throws any failure inside `fn` as `<op>: <path>: <problem>`: a bad file,
 * a native check that caught what the parser did not, an fs error. Errors
 * that already carry the prefix pass through unchanged.
 */
export function withContext<R>(op: Op, path: string, fn: () => R): R {
  try {
    return fn();
  } catch (error) {
    const prefix = `${op}: ${path}: `;
    if (error instanceof Error && error.message.startsWith(prefix)) throw error;
    const problem = error instanceof Error ? error.message : String(error);
    // A TypeError from a caller's wrong argument keeps its class; everything
    // that comes from the file is a plain Error.
    const Kind = error instanceof TypeError && (error as { fromArgs?: boolean }).fromArgs ? TypeError : Error;
    throw new Kind(prefix + problem, { cause: error });
  }
}

/** A TypeError for a caller's argument (kept a TypeError by withContext). */
export function argError(message: string): TypeError {
  const e = new TypeError(message);
  (e as { fromArgs?: boolean }).fromArgs = true;
  return e;
}

export function checkPath(op: Op, path: unknown): asserts path is string {
  if (typeof path !== 'string') {
    throw new TypeError(`${op}: expected string for path but received ${path === null ? 'null' : typeof path}`);
  }
  if (path.length === 0) throw new TypeError(`${op}: path is an empty string`);
}

/** An open file whose every read is checked against its size first. */
export class InputFile {
  readonly fd: number;
  readonly size: number;

  private constructor(fd: number, size: number) {
    this.fd = fd;
    this.size = size;
  }

  /** Opens `path` for reading; a directory or an empty file is a BadFile. */
  static open(path: string): InputFile {
    let fd: number;
    try {
      // O_NONBLOCK: opening a FIFO for reading would otherwise block until a
      // writer appears (forever); it changes nothing for regular files, and
      // fstat below refuses anything that is not one before the first read.
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') fail('no such file');
      if (code === 'EISDIR') fail('is a directory, not a file');
      if (code === 'EACCES') fail('permission denied');
      fail((error as Error).message);
    }
    try {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) fail('is a directory, not a file');
      if (!stat.isFile()) fail('is not a regular file');
      if (stat.size === 0) fail('empty file (0 bytes)');
      return new InputFile(fd, stat.size);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** `length` bytes at `position`, or a BadFile naming `what` when they are not all there. */
  read(position: number, length: number, what: string): Buffer {
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0 || position + length > this.size) {
      fail(`truncated: ${what} needs bytes [${position}, ${position + length}) but the file has ${this.size}`);
    }
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, position + done);
      if (n === 0) fail(`truncated: unexpected end of file reading ${what}`);
      done += n;
    }
    return out;
  }
}

export function withInputFile<R>(path: string, fn: (file: InputFile) => R): R {
  const file = InputFile.open(path);
  try {
    return fn(file);
  } finally {
    file.close();
  }
}

// ---------------------------------------------------------------------------
// CRC-32 (ZIP's). zlib.crc32 is native (Node >= 20.15 / 22.2); the table
// version is the fallback for older Nodes.

let table: Uint32Array | undefined;

function crc32Js(data: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export function crc32(data: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(data) >>> 0 : crc32Js(data);
}

// ---------------------------------------------------------------------------
// Keys and dtypes

/**
 * obj[key] = value for a key read from a file: a plain assignment of
 * "__proto__" would replace the object's prototype instead of adding a key.
 */
export function setKey<V>(obj: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export const ITEM_SIZE: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

/** C-order strides of a shape (in elements). */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i], 1);
  }
  return strides;
}

/** The elements a shape holds, exactly (BigInt, so a forged shape cannot overflow). */
export function shapeNumel(shape: readonly number[]): bigint {
  let n = 1n;
  for (const d of shape) n *= BigInt(d);
  return n;
}

/** The raw bytes of a tensor in C order (float16/bfloat16 as their bits). */
export function tensorBytes(t: Tensor): Uint8Array {
  const data = t.toArray();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A name from a file, safe to print: control characters escaped. */
export function printable(name: string): string {
  return name.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Writes a file through a temporary sibling renamed over `path` only when
 * complete, so a failed save never leaves a broken file where a good one was.
 * The data is fsync'ed before the rename and the directory after it, so a
 * power loss leaves the old file or the new one, never an empty one. A
 * symlink at `path` is written through, as torch.save's open(path, 'wb')
 * does: the link stays and its target gets the new bytes. Temporaries left
 * by an earlier save of the same target whose process is gone (killed
 * mid-save) are removed.
 */
export function writeAtomically(path: string, fill: (write: (data: Uint8Array) => void, fd: number) => void): void {
  const target = followLinks(path);
  let isDirectory = false;
  try {
    isDirectory = statSync(target).isDirectory();
  } catch {
    // a new file
  }
  if (isDirectory) fail('is a directory, not a file');
  removeStaleTemporaries(target);
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w');
  let ok = false;
  const write = (data: Uint8Array): void => {
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
  };
  try {
    fill(write, fd);
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) rmSync(tmp, { force: true });
  }
  renameSync(tmp, target);
  syncDirectory(dirname(target));
}

/** The file a chain of symlinks ends at (which may not exist yet); `path` itself when it is no link. */
function followLinks(path: string): string {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let isLink = false;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      return current; // does not exist: the file to create
    }
    if (!isLink) return current;
    current = resolve(dirname(current), readlinkSync(current));
  }
  return fail('too many levels of symbolic links');
}

const TEMP_SUFFIX = /^\.tmp-(\d+)-\d+$/;

function removeStaleTemporaries(target: string): void {
  const dir = dirname(target);
  const base = basename(target);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const match = TEMP_SUFFIX.exec(name.slice(base.length));
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    rmSync(`${dir}/${name}`, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
    fsyncSync(fd);
  } catch {
    // Some file systems (and Windows) cannot fsync a directory; the rename itself already happened.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
