// Fashion-MNIST reader, DataLoader batching, prefetch and transforms.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

import { beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';

const { DataLoader, TensorDataset, loadFashionMNIST, readIdx, FASHION_MNIST_DIR } = torch.data;
const dir = mkdtempSync(join(tmpdir(), 'ltr-data-'));

function idx(shape: number[], data: Uint8Array, magic = [0, 0, 8, shape.length]): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  Buffer.from(magic).copy(header);
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** Synthetic images whose pixel values say where they came from: image i has value i * 10 + row. */
function synthetic(n: number, h = 4, w = 5): torch.data.TensorDataset {
  const pixels = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[(i * h + y) * w + x] = i * 10 + y + x * 0;
  return new TensorDataset(
    torch.tensor(pixels, [n, 1, h, w], { dtype: 'uint8' }),
    torch.tensor(BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 10)), [n]),
  );
}

async function collect(loader: torch.data.DataLoader): Promise<{ inputs: torch.Tensor[]; targets: number[][] }> {
  const inputs: torch.Tensor[] = [];
  const targets: number[][] = [];
  for await (const { input, target } of loader) {
    inputs.push(input);
    targets.push(Array.from(target.toArray() as BigInt64Array, Number));
  }
  return { inputs, targets };
}

beforeAll(() => torch.setNumThreads(1));

describe('Fashion-MNIST', () => {
  it('loads both splits with the right shapes, dtypes and labels', () => {
    const train = loadFashionMNIST({ split: 'train' });
    const test = loadFashionMNIST({ split: 'test' });
    expect(train.images.shape).toEqual([60000, 1, 28, 28]);
    expect(train.images.dtype).toBe('uint8');
    expect(train.labels.shape).toEqual([60000]);
    expect(test.images.shape).toEqual([10000, 1, 28, 28]);
    // Fashion-MNIST is balanced: 6000 / 1000 per class.
    const counts = new Array(10).fill(0);
    for (const v of test.labels.toArray() as BigInt64Array) counts[Number(v)]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    // The first training label of Fashion-MNIST is 9 (Ankle boot); raw bytes match the file.
    expect(Number((train.labels.toArray() as BigInt64Array)[0])).toBe(9);
    const raw = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')));
    expect(Buffer.from(test.images.toArray() as Uint8Array).equals(raw.subarray(16))).toBe(true);
    expect(train.classes[9]).toBe('Ankle boot');
  });

  it('reads from another folder (--data DIR) and says clearly when files are missing', () => {
    const other = join(dir, 'fmnist');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 't10k-images-idx3-ubyte'), idx([2, 2, 2], new Uint8Array(8)));
    writeFileSync(join(other, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], new Uint8Array([3, 4]))));
    const ds = loadFashionMNIST({ split: 'test', dir: other });
    expect(ds.images.shape).toEqual([2, 1, 2, 2]);
    expect(() => loadFashionMNIST({ split: 'train', dir: other })).toThrow(/train-images-idx3-ubyte.gz not found.*dataset-fashion-mnist/);
  });

  const bad: [string, Buffer | 'dir', RegExp][] = [
    ['wrong magic', idx([2], new Uint8Array(2), [1, 2, 8, 1]), /wrong magic/],
    ['non-byte element type', idx([2], new Uint8Array(2), [0, 0, 0x0d, 1]), /not unsigned byte/],
    ['truncated data', idx([10, 28, 28], new Uint8Array(100)), /truncated: the header promises 7840 bytes/],
    ['truncated header', Buffer.from([0, 0, 8, 3, 0, 0]), /truncated header/],
    ['empty file', Buffer.alloc(0), /too short/],
    ['trailing bytes', idx([2], new Uint8Array(5)), /3 unexpected bytes/],
    ['corrupt gzip', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(20, 7)]), /corrupt gzip/],
    ['a directory', 'dir', /is a directory/],
  ];
  it.each(bad)('rejects %s with an error naming the file', (name, content, message) => {
    const path = join(dir, name.replace(/ /g, '-'));
    if (content === 'dir') mkdirSync(path, { recursive: true });
    else writeFileSync(path, content);
    expect(() => readIdx(path)).toThrow(message);
    expect(() => readIdx(path)).toThrow(path);
  });

  it('rejects labels that are not classes and a label/image count mismatch', () => {
    const other = join(dir, 'badlabels');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 't10k-images-idx3-ubyte'), idx([2, 1, 1], new Uint8Array(2)));
    writeFileSync(join(other, 't10k-labels-idx1-ubyte'), idx([2], new Uint8Array([1, 12])));
    expect(() => loadFashionMNIST({ split: 'test', dir: other })).toThrow(/label 12 at index 1 is not a class/);
    writeFileSync(join(other, 't10k-labels-idx1-ubyte'), idx([3], new Uint8Array([1, 2, 3])));
    expect(() => loadFashionMNIST({ split: 'test', dir: other })).toThrow(/has 3 labels but .* has 2 images/);
  });
});

describe('DataLoader', () => {
  it('batches in order, keeps or drops the last partial batch', async () => {
    const ds = synthetic(10);
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const { inputs, targets } = await collect(loader);
    expect(inputs.map((t) => t.shape)).toEqual([[4, 1, 4, 5], [4, 1, 4, 5], [2, 1, 4, 5]]);
    expect(targets).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    // ToTensor scaling: pixel / 255 in float32
    expect(inputs[2].dtype).toBe('float32');
    expect((inputs[2].toArray() as Float32Array)[0]).toBe(Math.fround(80 / 255));
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect((await collect(dropped)).targets).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it('shuffles reproducibly from its seed, differently each epoch, covering every sample once', async () => {
    const ds = synthetic(20);
    const a = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 7 });
    const b = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 7 });
    const epochA1 = (await collect(a)).targets.flat();
    const epochA2 = (await collect(a)).targets.flat();
    const epochB1 = (await collect(b)).targets.flat();
    expect(epochA1).toEqual(epochB1);
    expect(epochA1).not.toEqual(epochA2);
    const firstPixels = (await collect(new DataLoader(ds, { batchSize: 20, shuffle: true, seed: 3 }))).inputs[0];
    const order = Array.from({ length: 20 }, (_, i) => Math.round((firstPixels.toArray() as Float32Array)[i * 20] * 255) / 10);
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('normalizes, pads and crops, flips and expands grayscale like the torchvision transforms', async () => {
    const ds = synthetic(3, 4, 5);
    const plain = (await collect(new DataLoader(ds, { batchSize: 3 }))).inputs[0];
    const normalized = (await collect(new DataLoader(ds, { batchSize: 3, transform: { normalize: { mean: [0.5], std: [0.25] } } }))).inputs[0];
    expect(normalized.equal(plain.sub(0.5).div(0.25))).toBe(true);
    // A crop of the full padded size with padding 1: zero border around the image.
    const padded = (await collect(new DataLoader(ds, { batchSize: 3, transform: { randomCrop: { size: [6, 7], padding: 1 } } }))).inputs[0];
    expect(padded.shape).toEqual([3, 1, 6, 7]);
    const p = padded.toArray() as Float32Array;
    expect(p[0]).toBe(0);
    expect(p[1 * 7 + 1]).toBe((plain.toArray() as Float32Array)[0]);
    // Every sample flipped: columns reversed.
    const h = new TensorDataset(torch.tensor(new Uint8Array([1, 2, 3, 4, 5, 6]), [1, 1, 2, 3], { dtype: 'uint8' }), torch.tensor([0n]));
    const flipped = (await collect(new DataLoader(h, { batchSize: 1, transform: { randomHorizontalFlip: 1 } }))).inputs[0];
    expect(Array.from(flipped.toArray() as Float32Array, (v) => Math.round(v * 255))).toEqual([3, 2, 1, 6, 5, 4]);
    const rgb = (await collect(new DataLoader(h, { batchSize: 1, transform: { grayscaleToRgb: true, resize: [4, 6] } }))).inputs[0];
    expect(rgb.shape).toEqual([1, 3, 4, 6]);
  });

  it('random crops stay inside the padded image and differ between samples', async () => {
    const ds = synthetic(64, 8, 8);
    const { inputs } = await collect(new DataLoader(ds, { batchSize: 64, seed: 1, transform: { randomCrop: { size: 8, padding: 4 } } }));
    const x = inputs[0];
    expect(x.shape).toEqual([64, 1, 8, 8]);
    const sums = new Set<number>();
    const data = x.toArray() as Float32Array;
    for (let i = 0; i < 64; i++) sums.add(data.subarray(i * 64, (i + 1) * 64).reduce((a, b) => a + b, 0));
    expect(sums.size).toBeGreaterThan(10);
  });

  it('prepares batches off the JS thread (the event loop keeps running)', async () => {
    const train = loadFashionMNIST({ split: 'test' });
    const loader = new DataLoader(train, { batchSize: 2000, transform: { resize: [64, 64], grayscaleToRgb: true }, prefetch: 3 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = Date.now();
    let batches = 0;
    for await (const { input } of loader) {
      batches++;
      input.dispose();
    }
    clearInterval(timer);
    expect(batches).toBe(5);
    // The timer fired while batches were being made, which a synchronous loop would prevent.
    expect(ticks).toBeGreaterThan(Math.min(5, (Date.now() - started) / 20));
  });

  it('rejects bad options clearly', () => {
    const ds = synthetic(4);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => new DataLoader(ds, { batchSize: 2, transform: { random_crop: {} } as never })).toThrow(/unknown option 'random_crop'.*randomCrop/);
    // Any dtypes are fine now (issue 12); mismatched row counts are not.
    expect(() => new TensorDataset(torch.zeros([2, 1, 2, 2]), torch.tensor([0n]))).toThrow(/size mismatch between tensors/);
  });

  it('reports a failing batch as a rejected promise naming makeBatch', async () => {
    const ds = synthetic(4);
    const loader = new DataLoader(ds, { batchSize: 2, transform: { normalize: { mean: [0.5, 0.5], std: [1, 1] } } });
    await expect(collect(loader)).rejects.toThrow(/makeBatch: mean and std need 1 or 1 entries/);
  });
});
