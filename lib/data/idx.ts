// The idx file format of (Fashion-)MNIST, plain or gzipped.
//   magic: 0x00 0x00 <type> <ndim>, then ndim big-endian uint32 sizes, then the data.

import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Reads an unsigned-byte idx file (`.gz` or not); every problem is an Error naming the file. */
export function readIdx(path: string): IdxArray {
  const fail = (problem: string): never => {
    throw new Error(`readIdx: ${path}: ${problem}`);
  };
  let raw: Buffer;
  try {
    // O_NONBLOCK + fstat first: a FIFO would otherwise block open() or the read forever.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) fail('is a directory');
      if (!stat.isFile()) fail('is not a regular file');
      raw = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as Error).message.startsWith('readIdx:')) throw error;
    return fail((error as Error).message);
  }
  let bytes = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (error) {
      fail(`corrupt gzip data (${(error as Error).message})`);
    }
  }
  if (bytes.length < 4) fail(`too short for an idx header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(`wrong magic 0x${bytes.subarray(0, 4).toString('hex')} (not an idx file)`);
  if (bytes[2] !== UBYTE) fail(`element type 0x${bytes[2].toString(16)} is not unsigned byte (0x08)`);
  const ndim = bytes[3];
  if (ndim < 1 || ndim > 4) fail(`unsupported number of dimensions ${ndim}`);
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) fail('truncated header');
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(bytes.readUInt32BE(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerLength;
  if (available < count) fail(`truncated: the header promises ${count} bytes of data (shape ${shape.join('x')}) but only ${available} follow`);
  if (available > count) fail(`${available - count} unexpected bytes after the data`);
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerLength, count) };
}
