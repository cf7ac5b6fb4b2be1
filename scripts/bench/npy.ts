// Float32 .npy read/write for the bench's ORT worker and its output checks, which must not load
// libtorch. Little-endian, C order, version 1.0 headers (what numpy and this library write).

import { readFileSync, writeFileSync } from 'node:fs';

export interface Npy {
  shape: number[];
  data: Float32Array;
}

export function parseNpy(buf: Buffer, source = 'npy'): Npy {
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${source}: not an .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (descr !== '<f4') throw new Error(`${source}: expected float32 ('<f4') but found ${descr}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${source}: Fortran order is not supported`);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - start !== count * 4) throw new Error(`${source}: ${buf.length - start} data bytes for shape [${shape}]`);
  const data = new Float32Array(count);
  Buffer.from(data.buffer).set(buf.subarray(start));
  return { shape, data };
}

export function formatNpy({ shape, data }: Npy): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export const readNpy = (path: string): Npy => parseNpy(readFileSync(path), path);
export const writeNpy = (path: string, npy: Npy): void => writeFileSync(path, formatNpy(npy));
