// Hooks and the feature extractor, bit-exact with torchvision's
// create_feature_extractor on resnet50 (scripts/reference/idioms_features.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { type Tensor } from '../lib/index.js';
import { resnet50 } from '../resnet/index.js';
import { FIXTURES } from './setup/fixtures.js';

const { nn } = torch;
const DIR = join(FIXTURES, 'idioms_features');
const npy = (name: string) => torch.loadNpy(join(DIR, `${name}.npy`));
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { nodes: Record<string, string> };

beforeAll(() => torch.setNumThreads(1));

describe('createFeatureExtractor on resnet50 (torchvision parity)', () => {
  it("returns the named intermediate outputs equal to torchvision's, bit for bit", () => {
    torch.manualSeed(0);
    const model = resnet50();
    model.eval();
    const extractor = nn.createFeatureExtractor(model, manifest.nodes);
    expect(Object.keys(extractor.stateDict())).toEqual(Object.keys(model.stateDict()));
    const feats = torch.noGrad(() => torch.tidy(() => extractor.forward(npy('x'))));
    expect(Object.keys(feats)).toEqual(Object.values(manifest.nodes));
    for (const name of Object.values(manifest.nodes)) expect(feats[name].equal(npy(name)), name).toBe(true);
    // The hooks are gone afterwards; the model still computes torchvision's logits.
    const logits = torch.noGrad(() => model.forward(npy('x')));
    expect(logits.equal(npy('logits'))).toBe(true);
  });

  it('a forward hook on layer3 sees what the extractor returns; the tensor survives tidy and Sequential', () => {
    torch.manualSeed(0);
    const model = resnet50();
    model.eval();
    const seen: Tensor[] = [];
    const handle = model.layer3.registerForwardHook((_m, _inputs, out) => {
      seen.push(out as Tensor);
    });
    const inner: Tensor[] = [];
    const h2 = model.layer3.at(0).registerForwardHook((_m, _inputs, out) => {
      inner.push(out as Tensor); // an intermediate of the layer3 Sequential
    });
    torch.noGrad(() => torch.tidy(() => void model.forward(npy('x'))));
    handle.remove();
    h2.remove();
    expect(seen.length).toBe(1);
    expect(seen[0].isDisposed).toBe(false);
    expect(inner[0].isDisposed).toBe(false);
    expect(seen[0].equal(npy('feat3'))).toBe(true);
    torch.noGrad(() => model.forward(npy('x')));
    expect(seen.length).toBe(1);
  });

  it('unknown nodes are RangeErrors naming the node', () => {
    const model = new nn.Sequential(new nn.Linear(2, 2));
    expect(() => nn.createFeatureExtractor(model, { layer9: 'x' })).toThrow(/createFeatureExtractor: node 'layer9' is not a submodule of Sequential \(known: 0;/);
    expect(() => nn.createFeatureExtractor(model, {})).toThrow(new RangeError('createFeatureExtractor: returnNodes is empty'));
  });
});

describe('tensor.registerHook', () => {
  it('sees the gradient, may replace it, and is removable', () => {
    const x = torch.tensor([1, 2, 3], undefined, { requiresGrad: true });
    const seen: Tensor[] = [];
    const h = x.registerHook((g) => {
      seen.push(g);
      return g.mul(10);
    });
    torch.tidy(() => x.mul(x).sum().backward());
    expect([...seen[0].toArray()]).toEqual([2, 4, 6]);
    expect(seen[0].isDisposed).toBe(false); // handed to the hook: tidy leaves it alone
    expect([...x.grad!.toArray()]).toEqual([20, 40, 60]);
    h.remove();
    x.grad = null;
    x.mul(x).sum().backward();
    expect([...x.grad!.toArray()]).toEqual([2, 4, 6]);
    expect(seen.length).toBe(1);
  });

  it('on an intermediate tensor, and errors are clear', () => {
    const x = torch.tensor([1, 2], undefined, { requiresGrad: true });
    const y = x.mul(3);
    const grads: number[][] = [];
    y.registerHook((g) => {
      grads.push([...g.toArray()]);
    });
    y.sum().backward();
    expect(grads).toEqual([[1, 1]]);
    expect(() => torch.ones([2]).registerHook(() => undefined)).toThrow(/registerHook: cannot register a hook on a tensor that doesn't require gradient/);
    const z = torch.tensor([1], undefined, { requiresGrad: true });
    z.registerHook(() => {
      throw new Error('boom');
    });
    expect(() => z.mul(2).sum().backward()).toThrow(/a tensor hook threw: boom/);
    const w = torch.tensor([1], undefined, { requiresGrad: true });
    w.registerHook(() => 3 as never);
    expect(() => w.mul(2).sum().backward()).toThrow(/the hook must return a Tensor or undefined but returned number/);
  });
});

describe('registerFullBackwardHook (PyTorch parity, scripts/reference/idioms_hooks.py)', () => {
  const H = join(FIXTURES, 'idioms_hooks');
  const hnpy = (name: string) => torch.loadNpy(join(H, `${name}.npy`));
  for (const c of ['plain', 'doubled']) {
    it(`${c}: gradInput / gradOutput equal PyTorch's; a returned gradInput replaces it`, () => {
      const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
      model.loadStateDict(Object.fromEntries(Object.keys(model.stateDict()).map((k, i) => [k, hnpy(`init_${i}`)])));
      const records: Record<string, [Tensor | null, Tensor | null]> = {};
      const lin = model.at(0).registerFullBackwardHook((_m, gIn, gOut) => {
        records.lin = [gIn[0], gOut[0]];
      });
      model.at(1).registerFullBackwardHook((_m, gIn, gOut) => {
        records.relu = [gIn[0], gOut[0]];
        return c === 'doubled' ? [gIn[0]!.mul(2)] : undefined;
      });
      const x = hnpy('x');
      x.requiresGrad = true;
      model.forward(x).sum().backward();
      for (const name of ['lin', 'relu']) {
        expect(records[name][0]!.equal(hnpy(`${c}_${name}_gin`)), `${name} gradInput`).toBe(true);
        expect(records[name][1]!.equal(hnpy(`${c}_${name}_gout`)), `${name} gradOutput`).toBe(true);
      }
      expect(x.grad!.equal(hnpy(`${c}_gx`))).toBe(true);
      expect(model.at(0).weight.grad!.equal(hnpy(`${c}_gw0`))).toBe(true);
      lin.remove();
      expect(model.at(0)._hasForwardHooks()).toBe(false);
    });
  }
});
