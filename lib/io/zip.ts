// A minimal ZIP reader and writer for *stored* (uncompressed) entries, the
// only kind torch.save writes, with ZIP64 for archives and records past 4 GiB.
//
// The reader never trusts a number: every offset and size is checked against
// the file (and the central directory against its own bounds) before it is
// used, so a forged archive becomes a BadFile, never a read out of range.

import { writeSync } from 'node:fs';

import { crc32, fail, type InputFile, printable } from './common.js';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

export interface ZipEntry {
  name: string;
  /** Where the local header starts. */
  headerOffset: number;
  size: number;
  crc32: number;
  /** 0 = stored; anything else is refused when the record is read. */
  method: number;
}

/** The entries of a ZIP archive, in central-directory order. */
export interface ZipDirectory {
  entries: Map<string, ZipEntry>;
  /** Where the central directory starts: no record's data may reach past it. */
  centralOffset: number;
}

function u64(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} ${v} is absurdly large`);
  return Number(v);
}

/** Finds the end-of-central-directory record and, through it, the directory. */
export function readZipDirectory(file: InputFile): ZipDirectory {
  if (file.size < EOCD_SIZE) fail(`truncated: ${file.size} bytes is too small for a ZIP archive`);
  const tailLength = Math.min(file.size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = file.size - tailLength;
  const tail = file.read(tailStart, tailLength, 'the end of the ZIP archive');
  // Search backwards; prefer the record whose comment ends exactly at the end of the file.
  let eocd = -1;
  for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== SIG_EOCD) continue;
    if (i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tailLength) {
      eocd = i;
      break;
    }
    if (eocd < 0) eocd = i;
  }
  if (eocd < 0) fail('not a ZIP archive (no end-of-central-directory record; truncated or not a torch.save file)');
  const eocdPos = tailStart + eocd;
  let disk = tail.readUInt16LE(eocd + 4);
  let cdDisk = tail.readUInt16LE(eocd + 6);
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  let directoryEnd = eocdPos;

  if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX || eocdPos >= 20) {
    // ZIP64: a locator right before the EOCD points at the 64-bit record.
    if (eocdPos >= 20) {
      const locator = file.read(eocdPos - 20, 20, 'the ZIP64 locator');
      if (locator.readUInt32LE(0) === SIG_EOCD64_LOCATOR) {
        const at = u64(locator, 8, 'ZIP64 record offset');
        if (at + 56 > eocdPos - 20) fail(`ZIP64 end record offset ${at} lies outside the archive`);
        const rec = file.read(at, 56, 'the ZIP64 end record');
        if (rec.readUInt32LE(0) !== SIG_EOCD64) fail('bad ZIP64 end record signature');
        disk = rec.readUInt32LE(16);
        cdDisk = rec.readUInt32LE(20);
        count = u64(rec, 32, 'ZIP64 entry count');
        cdSize = u64(rec, 40, 'ZIP64 central directory size');
        cdOffset = u64(rec, 48, 'ZIP64 central directory offset');
        directoryEnd = at;
      } else if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
        fail('ZIP64 archive without a ZIP64 locator');
      }
    }
  }
  if (disk !== 0 || cdDisk !== 0) fail('multi-disk ZIP archives are not supported');
  if (cdOffset + cdSize > directoryEnd) {
    fail(`central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${directoryEnd} (truncated or corrupt archive)`);
  }
  if (count > cdSize / 46) fail(`the central directory claims ${count} entries but has room for ${Math.floor(cdSize / 46)}`);
  const cd = file.read(cdOffset, cdSize, 'the central directory');

  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8');
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) fail(`central directory entry ${i} is corrupt (bad signature)`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressed = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    let headerOffset = cd.readUInt32LE(p + 42);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > cd.length) fail(`central directory entry ${i} runs past the directory`);
    const name = printable(decoder.decode(cd.subarray(p + 46, p + 46 + nameLength)));
    // ZIP64 extended information: 64-bit values for the fields set to all ones, in this order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (e + 4 + len > extraEnd) fail(`record '${name}': extra field runs past its entry`);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (what: string): number => {
          if (q + 8 > e + 4 + len) fail(`record '${name}': ZIP64 extra field is too short for the ${what}`);
          const v = u64(cd, q, `record '${name}' ${what}`);
          q += 8;
          return v;
        };
        if (size === U32_MAX) size = take('size');
        if (compressed === U32_MAX) compressed = take('compressed size');
        if (headerOffset === U32_MAX) headerOffset = take('offset');
      }
      e += 4 + len;
    }
    if (flags & 0x1) fail(`record '${name}' is encrypted`);
    if (method === 0 && compressed !== size) fail(`record '${name}' is stored but its compressed size ${compressed} differs from its size ${size}`);
    if (entries.has(name)) fail(`duplicate record '${name}'`);
    entries.set(name, { name, headerOffset, size, crc32: crc, method });
    p = end;
  }
  return { entries, centralOffset: cdOffset };
}

/** Where an entry's bytes start, from its local header; checked to lie before the directory. */
export function entryDataOffset(file: InputFile, dir: ZipDirectory, entry: ZipEntry): number {
  if (entry.method !== 0) {
    fail(`record '${entry.name}' is compressed (method ${entry.method}); torch.save stores records uncompressed, so re-save the file with torch.save`);
  }
  if (entry.headerOffset + 30 > dir.centralOffset) fail(`record '${entry.name}': local header offset ${entry.headerOffset} lies outside the data area`);
  const header = file.read(entry.headerOffset, 30, `the local header of '${entry.name}'`);
  if (header.readUInt32LE(0) !== SIG_LOCAL) fail(`record '${entry.name}': bad local header signature at byte ${entry.headerOffset}`);
  const nameLength = header.readUInt16LE(26);
  const extraLength = header.readUInt16LE(28);
  const dataOffset = entry.headerOffset + 30 + nameLength + extraLength;
  if (header.readUInt16LE(8) !== entry.method) fail(`record '${entry.name}': local header compression method differs from the central directory`);
  if (nameLength !== Buffer.byteLength(entry.name) || !file.read(entry.headerOffset + 30, nameLength, `the local header of '${entry.name}'`).equals(Buffer.from(entry.name))) {
    fail(`record '${entry.name}': local header name differs from the central directory`);
  }
  if (dataOffset + entry.size > dir.centralOffset) {
    fail(`record '${entry.name}': data [${dataOffset}, ${dataOffset + entry.size}) runs past the data area (ends at ${dir.centralOffset})`);
  }
  return dataOffset;
}

/** A small record's bytes, CRC-checked (tensor data goes through native.readStorage instead). */
export function readEntry(file: InputFile, dir: ZipDirectory, entry: ZipEntry, limit: number): Buffer {
  if (entry.size > limit) fail(`record '${entry.name}' is ${entry.size} bytes, more than the ${limit}-byte limit for it`);
  const data = file.read(entryDataOffset(file, dir, entry), entry.size, `record '${entry.name}'`);
  if (crc32(data) !== entry.crc32) fail(`record '${entry.name}' is corrupt (CRC-32 mismatch)`);
  return data;
}

// ---------------------------------------------------------------------------
// Writer

interface Written {
  name: Buffer;
  offset: number;
  size: number;
  crc: number;
}

/**
 * Writes stored entries to an open file, each record's data aligned to 64
 * bytes as PyTorch's writer does (so a reader may map tensors in place).
 * `forceZip64` writes the 64-bit records even for small archives (tests).
 */
export class ZipWriter {
  private offset = 0;
  private readonly written: Written[] = [];

  constructor(
    private readonly fd: number,
    private readonly forceZip64 = false,
  ) {}

  private write(data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done);
    this.offset += data.length;
  }

  /** Adds one record; `data` may be several chunks, written in order. */
  add(name: string, data: Uint8Array | readonly Uint8Array[]): void {
    const chunks = data instanceof Uint8Array ? [data] : data;
    const size = chunks.reduce((n, c) => n + c.length, 0);
    let crc = 0;
    if (chunks.length === 1) crc = crc32(chunks[0]);
    else crc = crc32(Buffer.concat(chunks));
    const nameBytes = Buffer.from(name, 'utf8');
    const zip64 = this.forceZip64 || size >= U32_MAX;
    // Local extra: ZIP64 sizes when needed, then PyTorch's 'FB' padding field
    // that pushes the data to a multiple of 64.
    const zip64Extra = zip64 ? 20 : 0;
    const start = this.offset + 30 + nameBytes.length + zip64Extra + 4;
    const pad = (64 - (start % 64)) % 64;
    const header = Buffer.alloc(30 + nameBytes.length + zip64Extra + 4 + pad);
    header.writeUInt32LE(SIG_LOCAL, 0);
    header.writeUInt16LE(zip64 ? 45 : 20, 4); // version needed
    header.writeUInt16LE(0x0800, 6); // UTF-8 names
    header.writeUInt16LE(0, 8); // stored
    header.writeUInt16LE(0, 10); // time
    header.writeUInt16LE(0x21, 12); // date: 1980-01-01, so files are reproducible
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(zip64 ? U32_MAX : size, 18);
    header.writeUInt32LE(zip64 ? U32_MAX : size, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(zip64Extra + 4 + pad, 28);
    nameBytes.copy(header, 30);
    let e = 30 + nameBytes.length;
    if (zip64) {
      header.writeUInt16LE(0x0001, e);
      header.writeUInt16LE(16, e + 2);
      header.writeBigUInt64LE(BigInt(size), e + 4);
      header.writeBigUInt64LE(BigInt(size), e + 12);
      e += 20;
    }
    header.writeUInt16LE(0x4246, e); // 'FB'
    header.writeUInt16LE(pad, e + 2);
    this.written.push({ name: nameBytes, offset: this.offset, size, crc });
    this.write(header);
    for (const c of chunks) this.write(c);
  }

  /** Writes the central directory and end records. */
  finish(): void {
    const cdOffset = this.offset;
    for (const w of this.written) {
      const bigSize = this.forceZip64 || w.size >= U32_MAX;
      const bigOffset = this.forceZip64 || w.offset >= U32_MAX;
      const extraLength = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
      const h = Buffer.alloc(46 + w.name.length + extraLength);
      h.writeUInt32LE(SIG_CENTRAL, 0);
      h.writeUInt16LE(bigSize || bigOffset ? 45 : 20, 4); // made by
      h.writeUInt16LE(bigSize || bigOffset ? 45 : 20, 6); // needed
      h.writeUInt16LE(0x0800, 8);
      h.writeUInt16LE(0, 10);
      h.writeUInt16LE(0, 12);
      h.writeUInt16LE(0x21, 14);
      h.writeUInt32LE(w.crc, 16);
      h.writeUInt32LE(bigSize ? U32_MAX : w.size, 20);
      h.writeUInt32LE(bigSize ? U32_MAX : w.size, 24);
      h.writeUInt16LE(w.name.length, 28);
      h.writeUInt16LE(extraLength, 30);
      h.writeUInt32LE(bigOffset ? U32_MAX : w.offset, 42);
      w.name.copy(h, 46);
      if (extraLength > 0) {
        let e = 46 + w.name.length;
        h.writeUInt16LE(0x0001, e);
        h.writeUInt16LE(extraLength - 4, e + 2);
        e += 4;
        if (bigSize) {
          h.writeBigUInt64LE(BigInt(w.size), e);
          h.writeBigUInt64LE(BigInt(w.size), e + 8);
          e += 16;
        }
        if (bigOffset) h.writeBigUInt64LE(BigInt(w.offset), e);
      }
      this.write(h);
    }
    const cdSize = this.offset - cdOffset;
    const count = this.written.length;
    const zip64 = this.forceZip64 || count >= U16_MAX || cdOffset >= U32_MAX || cdSize >= U32_MAX;
    if (zip64) {
      const eocd64Offset = this.offset;
      const r = Buffer.alloc(56 + 20);
      r.writeUInt32LE(SIG_EOCD64, 0);
      r.writeBigUInt64LE(44n, 4); // size of the rest of the record
      r.writeUInt16LE(45, 12);
      r.writeUInt16LE(45, 14);
      r.writeBigUInt64LE(BigInt(count), 24);
      r.writeBigUInt64LE(BigInt(count), 32);
      r.writeBigUInt64LE(BigInt(cdSize), 40);
      r.writeBigUInt64LE(BigInt(cdOffset), 48);
      r.writeUInt32LE(SIG_EOCD64_LOCATOR, 56);
      r.writeBigUInt64LE(BigInt(eocd64Offset), 64);
      r.writeUInt32LE(1, 72); // total disks
      this.write(r);
    }
    const end = Buffer.alloc(EOCD_SIZE);
    end.writeUInt32LE(SIG_EOCD, 0);
    end.writeUInt16LE(zip64 ? U16_MAX : count, 8);
    end.writeUInt16LE(zip64 ? U16_MAX : count, 10);
    end.writeUInt32LE(zip64 ? U32_MAX : cdSize, 12);
    end.writeUInt32LE(zip64 ? U32_MAX : cdOffset, 16);
    this.write(end);
  }
}
