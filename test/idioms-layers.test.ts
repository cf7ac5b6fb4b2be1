// The layers beyond a ResNet's against PyTorch: seed-identical init (same
// state_dict keys and values), forward, and backward (input and parameter
// gradients), bit for bit (scripts/reference/idioms_layers.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { FIXTURES } from './setup/fixtures.js';

const { nn } = torch;
const DIR = join(FIXTURES, 'idioms_layers');
const npy = (name: string) => torch.loadNpy(join(DIR, `${name}.npy`));
const { layers: manifest, losses } = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as {
  layers: { name: string; keys: string[]; params: string[]; kind: string; seed: number }[];
  losses: { name: string; seed: number }[];
};

const MAKE: Record<string, () => torch.nn.Module> = {
  avgpool: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  bn1d_2d: () => new nn.BatchNorm1d(5),
  bn1d_3d: () => new nn.BatchNorm1d(5, { momentum: null }),
  layernorm: () => new nn.LayerNorm([4, 6]),
  layernorm_noaffine: () => new nn.LayerNorm(6, { eps: 1e-3, elementwiseAffine: false }),
  groupnorm: () => new nn.GroupNorm(2, 6),
  conv1d: () => new nn.Conv1d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }),
  conv1d_nobias: () => new nn.Conv1d(3, 5, 4, { dilation: 2, bias: false }),
  embedding: () => new nn.Embedding(10, 5, { paddingIdx: 2 }),
  upsample_nearest: () => new nn.Upsample({ scaleFactor: 2, mode: 'nearest' }),
  upsample_bilinear: () => new nn.Upsample({ size: [7, 9], mode: 'bilinear', alignCorners: false }),
  upsample_bilinear_ac: () => new nn.Upsample({ scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }),
  softmax: () => new nn.Softmax(1),
  logsoftmax: () => new nn.LogSoftmax(-1),
  identity: () => new nn.Identity(),
  dropout: () => new nn.Dropout(0.3),
  dropout2d: () => new nn.Dropout2d(0.4),
  sigmoid: () => new nn.Sigmoid(),
  tanh: () => new nn.Tanh(),
  gelu: () => new nn.GELU(),
  gelu_tanh: () => new nn.GELU({ approximate: 'tanh' }),
  silu: () => new nn.SiLU(),
  leakyrelu: () => new nn.LeakyReLU(0.2),
};

const LOSSES: Record<string, () => torch.nn.Module<[torch.Tensor, torch.Tensor], torch.Tensor>> = {
  mse: () => new nn.MSELoss(),
  l1_sum: () => new nn.L1Loss({ reduction: 'sum' }),
  nll: () => new nn.NLLLoss({ ignoreIndex: 1 }),
  nll_weight: () => new nn.NLLLoss({ weight: torch.tensor([1.0, 2.0, 0.5, 1.5]) }),
  bce_logits: () => new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([1.0, 2.0, 3.0]) }),
};

beforeAll(() => torch.setNumThreads(1));

describe('layers match PyTorch: init, forward, backward', () => {
  for (const c of manifest) {
    it(c.name, () => {
      torch.manualSeed(100 + c.seed);
      const layer = MAKE[c.name]();
      layer.train();
      const init = layer.stateDict();
      expect(Object.keys(init)).toEqual(c.keys);
      c.keys.forEach((k, i) => expect(init[k].equal(npy(`${c.name}_init_${i}`)), `init ${k}`).toBe(true));
      const x = npy(`${c.name}_x`);
      // Replay Python's draws (seed, then randn for x) so layers that draw in
      // forward (dropout masks) start from the same generator state.
      torch.manualSeed(200 + c.seed);
      if (c.kind === 'float') torch.randn(x.shape).dispose();
      if (c.kind === 'float') x.requiresGrad = true;
      const y = layer.forward(x) as torch.Tensor;
      expect(y.equal(npy(`${c.name}_y`))).toBe(true);
      y.backward(npy(`${c.name}_gy`));
      if (c.kind === 'float') expect(x.grad!.equal(npy(`${c.name}_gx`))).toBe(true);
      const params = Object.fromEntries(layer.namedParameters());
      expect(Object.keys(params)).toEqual(c.params);
      for (const k of c.params) expect(params[k].grad!.equal(npy(`${c.name}_g_${k}`)), `grad ${k}`).toBe(true);
      const after = layer.stateDict();
      c.keys.forEach((k, i) => expect(after[k].equal(npy(`${c.name}_after_${i}`)), `after ${k}`).toBe(true));
    });
  }

  for (const c of losses) {
    it(`loss ${c.name}: value and input gradient`, () => {
      const loss = LOSSES[c.name]();
      const x = npy(`loss_${c.name}_x`);
      x.requiresGrad = true;
      const y = loss.forward(x, npy(`loss_${c.name}_target`));
      expect(y.equal(npy(`loss_${c.name}_y`))).toBe(true);
      y.backward();
      expect(x.grad!.equal(npy(`loss_${c.name}_gx`))).toBe(true);
    });
  }

  it('covers every layer and loss the reference made', () => {
    expect(manifest.map((c) => c.name).sort()).toEqual(Object.keys(MAKE).sort());
    expect(losses.map((c) => c.name).sort()).toEqual(Object.keys(LOSSES).sort());
    expect(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: torch.ones([2]) }).stateDict())).toEqual(['pos_weight']);
  });

  it('dropout layers are the identity in eval mode', () => {
    const x = torch.randn([2, 3, 4, 4]);
    expect(new nn.Dropout(0.5).eval().forward(x).equal(x)).toBe(true);
    expect(new nn.Dropout2d(0.5).eval().forward(x).equal(x)).toBe(true);
  });

  it('bad arguments are clear errors', () => {
    expect(() => new nn.Dropout(1.5)).toThrow(new RangeError('Dropout: dropout probability has to be between 0 and 1, but got 1.5'));
    expect(() => new nn.Dropout2d(0.5).forward(torch.zeros([2, 3]))).toThrow(new RangeError('dropout2d: expected a 3-D or 4-D input but it has 2 dimensions'));
    expect(() => new nn.MSELoss({ reduction: 'avg' as 'mean' })).toThrow(new RangeError("MSELoss: reduction must be 'mean', 'sum' or 'none' but received avg"));
    expect(() => new nn.LeakyReLU(Number.NaN)).toThrow(new TypeError('LeakyReLU: expected a finite number for negativeSlope but received NaN'));
    expect(() => new nn.GroupNorm(4, 6)).toThrow(new RangeError('GroupNorm: numChannels (6) must be divisible by numGroups (4)'));
    expect(() => new nn.Embedding(4, 2, { paddingIdx: 4 })).toThrow(/Embedding: paddingIdx must be within numEmbeddings/);
    expect(() => new nn.Upsample({ size: 4, scaleFactor: 2 })).toThrow(new RangeError('Upsample: give exactly one of size and scaleFactor'));
    expect(() => new nn.BatchNorm1d(3).forward(torch.zeros([2, 3, 4, 4]))).toThrow(new RangeError('BatchNorm1d: expected 2D or 3D input (got 4D input)'));
    expect(() => new nn.Embedding(4, 2).forward(torch.zeros([2]))).toThrow(new TypeError('embedding: expected int64 or int32 indices but received float32'));
    expect(() => new nn.Conv1d(3, 4, 3).forward(torch.zeros([1, 3, 4, 4]))).toThrow(/conv1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) input but it has 4 dimensions/);
    expect(() => new nn.LayerNorm(4, { eps: 0 })).toThrow(new RangeError('LayerNorm: eps must be > 0 but received 0'));
  });
});
