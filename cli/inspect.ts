// `libtorch-resnet inspect FILE`: what a checkpoint holds (keys, dtypes,
// shapes, sizes) from its headers and pickle alone; no tensor bytes are read
// for .pth and .safetensors files.

import { extname } from 'node:path';

import { type FileSummary, inspectFile, loadNpy } from '../lib/index.js';

import { INSPECT_USAGE, type Output } from './output.js';

export { INSPECT_USAGE, type Output };

function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

const ITEM_SIZE: Record<string, number> = { float64: 8, int64: 8, float32: 4, int32: 4, float16: 2, bfloat16: 2, uint8: 1, bool: 1 };

const FORMAT_NAMES: Record<string, string> = {
  pth: 'PyTorch checkpoint (torch.save ZIP)',
  safetensors: 'safetensors',
  npy: 'NumPy .npy',
};

function summarize(path: string): Omit<FileSummary, 'format'> & { format: 'pth' | 'safetensors' | 'npy' } {
  if (extname(path).toLowerCase() === '.npy') {
    const t = loadNpy(path);
    try {
      const bytes = t.numel * ITEM_SIZE[t.dtype];
      return { format: 'npy', fileBytes: 0, tensors: [{ key: '(array)', dtype: t.dtype, shape: t.shape, bytes }], values: [], tensorBytes: bytes, storageBytes: bytes };
    } finally {
      t.dispose();
    }
  }
  return inspectFile(path);
}

/** Runs the subcommand; returns the exit code (0 ok, 1 bad file, 2 usage). */
export function inspect(args: string[], io: Output): number {
  const json = args.includes('--json');
  const files = args.filter((a) => a !== '--json');
  if (files.length !== 1 || files[0].startsWith('-')) {
    io.err(INSPECT_USAGE);
    return 2;
  }
  const path = files[0];
  let s: ReturnType<typeof summarize>;
  try {
    s = summarize(path);
  } catch (error) {
    io.err(`libtorch-resnet: ${(error as Error).message}`);
    return 1;
  }
  const elements = s.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  if (json) {
    io.out(JSON.stringify({ file: path, ...s, elements }, null, 1));
    return 0;
  }
  io.out(`${path}: ${FORMAT_NAMES[s.format]}${s.fileBytes ? `, ${bytesText(s.fileBytes)}` : ''}`);
  if (s.metadata && Object.keys(s.metadata).length > 0) io.out(`metadata: ${JSON.stringify(s.metadata)}`);
  const keyWidth = Math.min(60, Math.max(3, ...s.tensors.map((t) => t.key.length), ...s.values.map((v) => v.key.length)));
  if (s.tensors.length > 0) {
    io.out('');
    io.out(`${'key'.padEnd(keyWidth)}  ${'dtype'.padEnd(8)}  ${'shape'.padEnd(18)}  bytes`);
    for (const t of s.tensors) {
      io.out(`${t.key.padEnd(keyWidth)}  ${t.dtype.padEnd(8)}  ${`[${t.shape.join(', ')}]`.padEnd(18)}  ${bytesText(t.bytes)}`);
    }
  }
  if (s.values.length > 0) {
    io.out('');
    for (const v of s.values) io.out(`${v.key.padEnd(keyWidth)}  = ${v.value}`);
  }
  io.out('');
  const shared = s.storageBytes !== s.tensorBytes ? ` (${bytesText(s.storageBytes)} of distinct storage)` : '';
  io.out(`${s.tensors.length} tensors, ${elements.toLocaleString('en-US')} elements, ${bytesText(s.tensorBytes)}${shared}`);
  return 0;
}
