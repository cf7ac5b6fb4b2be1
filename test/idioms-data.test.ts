// torch.utils.data idioms: the map-style Dataset protocol (sync or async
// get), TensorDataset over any dtypes, Subset, ConcatDataset, randomSplit in
// PyTorch's order (scripts/reference/idioms_data.py), samplers, collate, and
// the DataLoader over any dataset with the native image path kept.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { type Tensor } from '../lib/index.js';
import { FIXTURES } from './setup/fixtures.js';

const { data } = torch;
const ref = JSON.parse(readFileSync(join(FIXTURES, 'idioms_data', 'cases.json'), 'utf8')) as {
  splits: { seed: number; n: number; lengths: number[]; indices: number[][] }[];
  split_generator: number[][];
  sampler_epochs: number[][];
  sampler_more: number[];
  default_seed: number;
  default_perm: number[];
};
const splits = ref.splits;

const list = (t: Tensor) => Array.from(t.toArray() as ArrayLike<number | bigint>, Number);

describe('datasets', () => {
  it('TensorDataset over float features and int64 targets; get(i) gives the rows', () => {
    const x = torch.tensor([[1, 2], [3, 4], [5, 6]], undefined, { dtype: 'float64' });
    const y = torch.tensor([0n, 1n, 2n]);
    const ds = new data.TensorDataset(x, y);
    expect(ds.length).toBe(3);
    expect(ds.isImageClassification).toBe(false);
    const [xi, yi] = ds.get(-1);
    expect(xi.dtype).toBe('float64');
    expect(list(xi)).toEqual([5, 6]);
    expect(yi.shape).toEqual([]);
    expect(list(yi)).toEqual([2]);
    expect(() => new data.TensorDataset(x, torch.tensor([0n]))).toThrow(/TensorDataset: size mismatch between tensors: tensors\[0\] has 3 rows but tensors\[1\] is \[1\]/);
    expect(() => ds.get(3)).toThrow(new RangeError('TensorDataset.get: index 3 is out of range for 3 samples'));
  });

  it('Subset, ConcatDataset and randomSplit in PyTorch order (with lengths and fractions)', () => {
    const base: torch.data.Dataset<number> = { length: 100, get: (i) => i };
    const sub = new data.Subset(base, [5, 3, 9]);
    expect([0, 1, 2].map((i) => sub.get(i))).toEqual([5, 3, 9]);
    const both = new data.ConcatDataset([sub, { length: 2, get: (i: number) => 100 + i }]);
    expect(both.length).toBe(5);
    expect([0, 1, 2, 3, 4].map((i) => both.get(i))).toEqual([5, 3, 9, 100, 101]);
    for (const c of splits) {
      torch.manualSeed(c.seed);
      const parts = data.randomSplit({ length: c.n, get: (i: number) => i }, c.lengths);
      expect(parts.map((p) => [...p.indices])).toEqual(c.indices);
    }
    expect(() => data.randomSplit(base, [10, 20])).toThrow(new RangeError('randomSplit: sum of input lengths does not equal the length of the input dataset!'));
    expect(() => new data.Subset(base, [100])).toThrow(RangeError);
    expect(() => new data.Subset({ get: () => 1 } as never, [0])).toThrow(/Subset: expected a dataset \(an object with a whole-number length and a get\(i\) method\)/);
  });
});

describe("torch.Generator: PyTorch's permutations from the same seed", () => {
  it("randomSplit and RandomSampler with a generator; a new Generator has PyTorch's default seed", () => {
    const parts = data.randomSplit({ length: 10, get: (i: number) => i }, [4, 6], { generator: new torch.Generator().manualSeed(8) });
    expect(parts.map((p) => [...p.indices])).toEqual(ref.split_generator);
    const sampler = new data.RandomSampler(7, { generator: new torch.Generator().manualSeed(5) });
    expect([[...sampler], [...sampler]]).toEqual(ref.sampler_epochs);
    expect([...new data.RandomSampler(4, { numSamples: 10, replacement: false, generator: new torch.Generator().manualSeed(6) })]).toEqual(ref.sampler_more);
    const g = new torch.Generator();
    expect(g.initialSeed()).toBe(ref.default_seed);
    expect(list(g.randperm(5))).toEqual(ref.default_perm);
    expect(() => new data.RandomSampler(4, { replacement: true, generator: new torch.Generator() })).toThrow(/a torch.Generator is supported without replacement only/);
    expect(() => new torch.Generator().manualSeed(-1)).toThrow(new RangeError('Generator.manualSeed: seed must be a whole number >= 0 but received number'));
  });
});

describe('samplers and collate', () => {
  it('SequentialSampler / RandomSampler (seeded, a permutation) / WeightedRandomSampler', () => {
    expect([...new data.SequentialSampler(4)]).toEqual([0, 1, 2, 3]);
    const a = [...new data.RandomSampler(10, { generator: 7 })];
    expect([...a].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...new data.RandomSampler(10, { generator: 7 })]).toEqual(a);
    const draws = [...new data.WeightedRandomSampler([0, 1, 0, 3], 400, { generator: 1 })];
    expect(draws.every((i) => i === 1 || i === 3)).toBe(true);
    expect(draws.filter((i) => i === 3).length).toBeGreaterThan(draws.filter((i) => i === 1).length);
    expect(new Set([...new data.WeightedRandomSampler([1, 1, 1], 3, { replacement: false, generator: 2 })]).size).toBe(3);
    expect(() => new data.WeightedRandomSampler([1, -1], 2)).toThrow(/weights\[1\] must be a finite number >= 0/);
  });

  it('collate stacks tensors, tensorizes numbers, keeps strings, recurses into arrays and objects', () => {
    const batch = data.collate([
      { x: torch.tensor([1, 2]), y: 1, w: 0.5, name: 'a', pair: [torch.tensor([1]), true] as [Tensor, boolean] },
      { x: torch.tensor([3, 4]), y: 0, w: 1.5, name: 'b', pair: [torch.tensor([2]), false] as [Tensor, boolean] },
    ]);
    expect(batch.x.shape).toEqual([2, 2]);
    expect(list(batch.x)).toEqual([1, 2, 3, 4]);
    expect(batch.y.dtype).toBe('int64');
    expect(batch.w.dtype).toBe('float64');
    expect(batch.name).toEqual(['a', 'b']);
    expect(batch.pair[0].shape).toEqual([2, 1]);
    expect(batch.pair[1].dtype).toBe('bool');
    expect(() => data.collate([torch.zeros([2]), torch.zeros([3])])).toThrow(/stack expects each tensor to be equal size/);
    expect(() => data.collate([1, 'a'] as never[])).toThrow(new TypeError('collate: batch[1] is string but batch[0] is a number'));
  });
});

describe('DataLoader over any dataset', () => {
  it('an async map-style dataset, shuffled, collated', async () => {
    const ds: torch.data.Dataset<[Tensor, number]> = {
      length: 5,
      get: async (i) => [torch.full([2], i), i],
    };
    const loader = new data.DataLoader(ds, { batchSize: 2, shuffle: true, seed: 3 });
    expect(loader.length).toBe(3);
    const seen: number[] = [];
    for await (const [x, y] of loader) {
      expect(x.shape[1]).toBe(2);
      expect(list(x).filter((_, k) => k % 2 === 0)).toEqual(list(y));
      seen.push(...list(y));
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('a float TensorDataset yields { input, target }; a sampler sets the order', async () => {
    const ds = new data.TensorDataset(torch.arange(6, { dtype: 'float32' }).reshape(3, 2), torch.tensor([0n, 1n, 2n]));
    const loader = new data.DataLoader(ds, { batchSize: 3, sampler: new data.SequentialSampler(3) });
    const batches = [];
    for await (const b of loader) batches.push(b);
    expect(batches.length).toBe(1);
    expect(list(batches[0].input)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(list(batches[0].target)).toEqual([0, 1, 2]);
    expect(() => new data.DataLoader(ds, { batchSize: 1, transform: { randomHorizontalFlip: 0.5 } })).toThrow(/transform applies to image TensorDatasets/);
    expect(() => new data.DataLoader(ds, { batchSize: 1, shuffle: true, sampler: new data.SequentialSampler(3) })).toThrow(/sampler option is mutually exclusive with shuffle/);
  });

  it('an image TensorDataset keeps the native path', () => {
    const ds = new data.TensorDataset(torch.zeros([2, 1, 2, 2], { dtype: 'uint8' }), torch.tensor([0n, 1n]));
    expect(new data.DataLoader(ds, { batchSize: 1 }).nativePath).toBe(true);
  });
});
