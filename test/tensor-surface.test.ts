// Behaviour of the tensor surface beyond the numbers (those are in
// ops-surface-parity.test.ts): where functional ops live, that a dim is never
// ignored, which results are views, result shapes of multi-output ops, and the
// JavaScript-side conveniences (toList, size, dtype shortcuts).

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';

const F = torch.nn.functional;

describe('namespace', () => {
  it('functional ops live at torch.nn.functional, and only there', () => {
    expect(typeof F.conv2d).toBe('function');
    expect(typeof F.pad).toBe('function');
    expect('functional' in torch).toBe(false);
  });
});

describe('reductions with a dim', () => {
  it('max(dim) returns { values, indices } along that dim, never the global max', () => {
    torch.tidy(() => {
      const x = torch.tensor([[1, 9, 3], [7, 2, 8]]);
      const r = x.max(1);
      expect(Object.keys(r).sort()).toEqual(['indices', 'values']);
      expect(r.values.toList()).toEqual([9, 8]);
      expect(r.indices.toList()).toEqual([1, 2]);
      expect(x.min(0, { keepdim: true }).values.shape).toEqual([1, 3]);
      expect(x.max().item()).toBe(9);
      expect(x.max(torch.full([3], 5)).toList()).toEqual([[5, 9, 5], [7, 5, 8]]);
    });
  });

  it('topk defaults to the last dim, like PyTorch', () => {
    torch.tidy(() => {
      const { values, indices } = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.9]]).topk(2);
      expect(values.shape).toEqual([2, 2]);
      expect(indices.toList()).toEqual([[1, 2], [2, 0]]);
    });
  });

  it('unique returns a tensor, or an object when inverse or counts are asked for', () => {
    torch.tidy(() => {
      const x = torch.tensor([3, 1, 3, 2], undefined, { dtype: 'int64' });
      expect(x.unique()).toBeInstanceOf(torch.Tensor);
      const r = x.unique({ returnCounts: true });
      expect(r.values.toList()).toEqual([1, 2, 3]);
      expect(r.counts!.toList()).toEqual([1, 1, 2]);
      expect(r.inverseIndices).toBeNull();
    });
  });
});

describe('views where PyTorch gives views', () => {
  it('index with integers and slices, narrow, select, slice, expand, t, movedim and split pieces share storage', () => {
    torch.tidy(() => {
      const x = torch.arange(24).reshape(2, 3, 4);
      const views = [
        x.index(0),
        x.index(':', [1, 3], '::2'),
        x.index('...', null, -1),
        x.narrow(2, 1, 2),
        x.select(1, -1),
        x.slice(2, 1, null, 2),
        x.index(0).index(null).expand(5, 3, 4),
        x.index(0).t(),
        x.movedim(0, -1),
        ...x.split(1, 1),
        ...x.chunk(2, 2),
        ...x.unbind(0),
      ];
      for (const v of views) expect(v.sharesStorageWith(x)).toBe(true);
      // Advanced indexing copies, as in PyTorch.
      expect(x.index(torch.tensor([1], undefined, { dtype: 'int64' })).sharesStorageWith(x)).toBe(false);
    });
  });

  it('writing through a view or setItem changes the base, as x[...] = v does', () => {
    torch.tidy(() => {
      const img = torch.zeros([2, 4, 4]);
      img.setItem([':', [1, 3], [1, 3]], 1);
      expect(img.sum().item()).toBe(8);
      img.index(0).fill_(2);
      expect(img.index(0).sum().item()).toBe(32);
      img.setItem([img.gt(1.5)], -1);
      expect(img.index(0).max().item()).toBe(-1);
    });
  });
});

describe('conveniences', () => {
  it("round() is PyTorch's half-to-even, where Math.round is not (the crop-offset bug of issue #11)", () => {
    torch.tidy(() => {
      expect(Math.round(58.5)).toBe(59);
      expect(torch.tensor([58.5, 0.5, 1.5, 2.5, -0.5]).round().toList()).toEqual([58, 0, 2, 2, -0]);
    });
  });

  it('toList gives nested arrays like tolist(): numbers, booleans, a scalar for 0-d', () => {
    torch.tidy(() => {
      expect(torch.arange(6).reshape(2, 3).toList()).toEqual([[0, 1, 2], [3, 4, 5]]);
      expect(torch.tensor([true, false]).toList()).toEqual([true, false]);
      expect(torch.tensor([2.5]).reshape([]).toList()).toBe(2.5);
      expect(torch.tensor([1.5, -2]).half().toList()).toEqual([1.5, -2]);
      expect(torch.zeros([2, 0]).toList()).toEqual([[], []]);
    });
  });

  it('size(dim) with negative dims, dim(), and the dtype shortcuts', () => {
    torch.tidy(() => {
      const x = torch.zeros([2, 3, 4]);
      expect(x.size()).toEqual([2, 3, 4]);
      expect(x.size(-1)).toBe(4);
      expect(x.dim()).toBe(3);
      expect([x.float(), x.double(), x.half(), x.bfloat16(), x.long(), x.int(), x.byte(), x.bool()].map((t) => t.dtype)).toEqual([
        'float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool',
      ]);
    });
  });

  it('in-place functional forms return their input', () => {
    torch.tidy(() => {
      const x = torch.randn([4]);
      expect(F.dropout(x, { p: 0.5, inplace: true })).toBe(x);
      expect(F.leakyRelu(x, { inplace: true })).toBe(x);
      expect(F.hardtanh(x, { inplace: true })).toBe(x);
      expect(F.silu(x, { inplace: true })).toBe(x);
      expect(x.clamp_(0, 1)).toBe(x);
    });
  });
});
