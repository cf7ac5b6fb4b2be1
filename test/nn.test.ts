// torch.nn in TypeScript: Module bookkeeping (names, order, state_dict,
// loadStateDict, modes, devices/dtypes, gradients, tidy) and the layers, with
// the layer-level parity fixtures of scripts/reference/resnet.py (seeded
// construction, torch.nn.init, BatchNorm2d's cumulative average), compared
// with `equal`, bit for bit.

import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { FIXTURES } from './setup/fixtures.js';

const F = torch.nn.functional;
const DIR = join(FIXTURES, 'resnet', 'nn');
const npy = (name: string): Tensor => torch.loadNpy(join(DIR, `${name}.npy`));

beforeAll(() => torch.setNumThreads(1));

class Net extends nn.Module {
  declare conv: nn.Conv2d;
  declare bn: nn.BatchNorm2d;
  declare head: nn.Sequential;
  declare scale: Tensor;
  declare steps: Tensor;

  constructor() {
    super();
    this.registerParameter('scale', torch.ones([1]));
    this.registerModule('conv', new nn.Conv2d(3, 4, 3, { padding: 1 }));
    this.registerBuffer('steps', torch.zeros([], { dtype: 'int64' }));
    this.registerBuffer('scratch', torch.zeros([2]), { persistent: false });
    this.registerModule('bn', new nn.BatchNorm2d(4));
    this.registerModule('head', new nn.Sequential(new nn.Flatten(), new nn.Linear(4 * 4 * 4, 2)));
  }

  forward(x: Tensor): Tensor {
    return this.head.forward(this.bn.forward(this.conv.forward(x)).mul(this.scale));
  }
}

describe('seeded construction equals PyTorch (same generator, same calls)', () => {
  it('Conv2d, grouped Conv2d and Linear', () => {
    torch.manualSeed(0);
    const conv = new nn.Conv2d(3, 8, 3);
    const grouped = new nn.Conv2d(16, 32, 3, { groups: 4, bias: false });
    const linear = new nn.Linear(10, 4);
    expect(conv.weight.equal(npy('conv_weight'))).toBe(true);
    expect(conv.bias!.equal(npy('conv_bias'))).toBe(true);
    expect(grouped.weight.shape).toEqual([32, 4, 3, 3]);
    expect(grouped.weight.equal(npy('grouped_weight'))).toBe(true);
    expect(grouped.bias).toBeNull();
    expect(linear.weight.equal(npy('linear_weight'))).toBe(true);
    expect(linear.bias!.equal(npy('linear_bias'))).toBe(true);
  });

  it('torch.nn.init: kaiming_uniform_ / kaiming_normal_ / uniform_ / normal_ in sequence', () => {
    torch.manualSeed(1);
    const w = torch.empty([8, 4, 3, 3]);
    const steps: [string, () => void][] = [
      ['kaiming_uniform_default', () => nn.init.kaiming_uniform_(w)],
      ['kaiming_uniform_sqrt5', () => nn.init.kaiming_uniform_(w, { a: Math.sqrt(5) })],
      ['kaiming_normal_fan_out_relu', () => nn.init.kaiming_normal_(w, { mode: 'fan_out', nonlinearity: 'relu' })],
      ['kaiming_normal_fan_in_leaky', () => nn.init.kaiming_normal_(w, { a: 0.2 })],
      ['uniform', () => nn.init.uniform_(w, -0.5, 0.25)],
      ['normal', () => nn.init.normal_(w, 0.1, 2.0)],
    ];
    for (const [name, step] of steps) {
      step();
      expect(w.equal(npy(`init_${name}`)), name).toBe(true);
    }
  });

  it('gain and fan arithmetic is torch.nn.init\'s', () => {
    expect(nn.init.calculate_gain('relu')).toBe(Math.SQRT2);
    expect(nn.init.calculate_gain('linear')).toBe(1);
    expect(nn.init.calculate_gain('tanh')).toBe(5 / 3);
    expect(nn.init.calculate_gain('leaky_relu')).toBe(Math.sqrt(2 / (1 + 0.01 * 0.01)));
    // Python: math.sqrt(2.0 / (1 + math.sqrt(5) ** 2)) == 0.5773502691896257
    expect(nn.init.calculate_gain('leaky_relu', Math.sqrt(5))).toBe(0.5773502691896257);
    expect(nn.init.calculateFanInAndFanOut(torch.empty([32, 4, 3, 3]))).toEqual([36, 288]);
    expect(nn.init.calculateFanInAndFanOut(torch.empty([10, 7]))).toEqual([7, 10]);
    expect(() => nn.init.calculateFanInAndFanOut(torch.empty([3]))).toThrow(/fewer than 2 dimensions/);
    expect(() => nn.init.kaiming_normal_(torch.empty([2, 2]), { mode: 'fan_avg' as never })).toThrow(/fan_in, fan_out/);
    expect(() => nn.init.kaiming_normal_(torch.empty([2, 2]), { fan_mode: 'fan_in' } as never)).toThrow(/unknown option 'fan_mode'/);
    const c = torch.full([3], 5);
    expect(Array.from(nn.init.constant_(c, 0.5).toArray() as Float32Array)).toEqual([0.5, 0.5, 0.5]);
    expect(nn.init.constant).toBe(nn.init.constant_);
  });
});

describe('BatchNorm2d', () => {
  it('momentum null is a cumulative average over num_batches_tracked (3 steps, then eval), as PyTorch', () => {
    const bn = new nn.BatchNorm2d(4, { momentum: null });
    for (let i = 0; i < 3; i++) {
      const out = bn.forward(npy(`bn_x${i}`));
      expect(out.equal(npy(`bn_train_out${i}`)), `step ${i}`).toBe(true);
    }
    expect(bn.running_mean!.equal(npy('bn_running_mean'))).toBe(true);
    expect(bn.running_var!.equal(npy('bn_running_var'))).toBe(true);
    expect(bn.num_batches_tracked!.equal(npy('bn_num_batches_tracked'))).toBe(true);
    bn.eval();
    expect(bn.forward(npy('bn_x0')).equal(npy('bn_eval_out'))).toBe(true);
    expect(bn.num_batches_tracked!.item()).toBe(3); // eval does not count
  });

  it('momentum 0.1 (default) updates the running stats in place', () => {
    const bn = new nn.BatchNorm2d(4);
    const mean = bn.running_mean!;
    expect(bn.forward(npy('bn_x1')).equal(npy('bn01_train_out'))).toBe(true);
    expect(bn.running_mean).toBe(mean);
    expect(mean.equal(npy('bn01_running_mean'))).toBe(true);
    expect(bn.running_var!.equal(npy('bn01_running_var'))).toBe(true);
  });

  it('has PyTorch\'s state: weight 1, bias 0, running stats 0 / 1, a 0-d int64 num_batches_tracked', () => {
    const bn = new nn.BatchNorm2d(3);
    const sd = bn.stateDict();
    expect(Object.keys(sd)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(sd.num_batches_tracked.shape).toEqual([]);
    expect(sd.num_batches_tracked.dtype).toBe('int64');
    expect(Array.from(sd.weight.toArray() as Float32Array)).toEqual([1, 1, 1]);
    expect(Array.from(sd.running_var.toArray() as Float32Array)).toEqual([1, 1, 1]);
    expect(bn.parameters()).toHaveLength(2);
    expect(bn.buffers()).toHaveLength(3);
  });

  it('affine=false and trackRunningStats=false register nulls (absent from parameters and stateDict)', () => {
    const bn = new nn.BatchNorm2d(3, { affine: false, trackRunningStats: false });
    expect(bn.weight).toBeNull();
    expect(bn.running_mean).toBeNull();
    expect(Object.keys(bn.stateDict())).toEqual([]);
    // Without running stats, eval mode normalizes with the batch statistics.
    bn.eval();
    const x = torch.randn([2, 3, 4, 4]);
    expect(bn.forward(x).equal(F.batchNorm(x, null, null, { training: true }))).toBe(true);
  });

  it('rejects non-4D input like PyTorch', () => {
    expect(() => new nn.BatchNorm2d(3).forward(torch.randn([2, 3]))).toThrow(/expected 4D input \(got 2D input\)/);
  });
});

describe('Module registration', () => {
  it('names, order and kinds follow registration (stateDict: own parameters, own buffers, then children)', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['scale', 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'head.1.weight', 'head.1.bias']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['steps', 'scratch', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect(Object.keys(net.stateDict())).toEqual([
      'scale',
      'steps', // persistent buffers only: 'scratch' is not saved
      'conv.weight',
      'conv.bias',
      'bn.weight',
      'bn.bias',
      'bn.running_mean',
      'bn.running_var',
      'bn.num_batches_tracked',
      'head.1.weight',
      'head.1.bias',
    ]);
    expect(net.namedModules().map(([n, m]) => `${n}:${m.constructor.name}`)).toEqual([
      ':Net',
      'conv:Conv2d',
      'bn:BatchNorm2d',
      'head:Sequential',
      'head.0:Flatten',
      'head.1:Linear',
    ]);
    expect(net.children().map((m) => m.constructor.name)).toEqual(['Conv2d', 'BatchNorm2d', 'Sequential']);
    expect(net.parameters()).toHaveLength(7);
  });

  it('the property and the registered value are one: field names are the state_dict contract', () => {
    const net = new Net();
    for (const [name, child] of net.namedChildren()) expect((net as unknown as Record<string, unknown>)[name]).toBe(child);
    expect(net.conv.weight).toBe(net.namedParameters().find(([n]) => n === 'conv.weight')![1]);
    // Assigning replaces the registered module (transfer learning: a new classifier).
    const fc = new nn.Linear(64, 5);
    (net.head as unknown as Record<string, nn.Module>)['1'] = fc;
    expect(net.stateDict()['head.1.weight'].shape).toEqual([5, 64]);
    expect(() => ((net as unknown as Record<string, unknown>).conv = 'a conv')).toThrow(/expected Module or null/);
    expect(() => ((net as unknown as Record<string, unknown>).scale = 1)).toThrow(/expected Tensor or null/);
  });

  it('registering a duplicate name throws', () => {
    const net = new Net();
    expect(() => net.registerModule('conv', new nn.ReLU())).toThrow(/'conv' is already registered on Net/);
    expect(() => net.registerParameter('conv', torch.zeros([1]))).toThrow(/already registered/);
    expect(() => net.registerBuffer('scale', torch.zeros([1]))).toThrow(/already registered/);
    expect(() => net.registerParameter('steps', torch.zeros([1]))).toThrow(/already registered/);
    expect(() => net.registerModule('forward', new nn.ReLU())).toThrow(/already has an attribute 'forward'/);
    expect(() => net.registerBuffer('training', torch.zeros([1]))).toThrow(/already has an attribute 'training'/);
    expect(() => net.registerModule('a.b', new nn.ReLU())).toThrow(/must not contain "."/);
    expect(() => net.registerModule('', new nn.ReLU())).toThrow(/must not be empty/);
  });

  it('a class field declared without `declare` can still be registered', () => {
    class Plain extends nn.Module {
      fc!: nn.Linear; // a define-semantics field: undefined until registered
      constructor() {
        super();
        this.registerModule('fc', new nn.Linear(2, 2));
      }
      forward(x: Tensor): Tensor {
        return this.fc.forward(x);
      }
    }
    const m = new Plain();
    expect(m.fc).toBeInstanceOf(nn.Linear);
    expect(Object.keys(m.stateDict())).toEqual(['fc.weight', 'fc.bias']);
  });

  it('parameters are leaves that require grad, and no tidy frees them', () => {
    const net = torch.tidy(() => new Net());
    for (const p of net.parameters()) {
      expect(p.isDisposed).toBe(false);
      expect(p.requiresGrad).toBe(true);
      expect(p.isLeaf).toBe(true);
    }
    for (const b of net.buffers()) {
      expect(b.isDisposed).toBe(false);
      expect(b.requiresGrad).toBe(false);
    }
    expect(() => net.registerParameter('derived', torch.ones([1], { requiresGrad: true }).mul(2))).toThrow(/leaf tensor/);
  });

  it('a module shared under two names is listed once, its parameters too', () => {
    class Shared extends nn.Module {
      constructor() {
        super();
        const l = new nn.Linear(2, 2);
        this.registerModule('a', l);
        this.registerModule('b', l);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const s = new Shared();
    expect(s.namedModules().map(([n]) => n)).toEqual(['', 'a']);
    expect(s.parameters()).toHaveLength(2);
    // state_dict keeps both names, as PyTorch's.
    expect(Object.keys(s.stateDict())).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
  });

  it('train() / eval() set every descendant', () => {
    const net = new Net();
    expect(net.training).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.train(false);
    expect(net.bn.training).toBe(false);
  });

  it('prints like PyTorch', () => {
    const s = new nn.Sequential(new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false }), new nn.ReLU({ inplace: true }));
    expect(String(s)).toBe('Sequential(\n  (0): Conv2d(3, 8, kernelSize=[3, 3], stride=[2, 2], padding=[1, 1], bias=false)\n  (1): ReLU(inplace=true)\n)');
  });
});

describe('stateDict / loadStateDict', () => {
  it('stateDict values are detached views of the module\'s tensors', () => {
    const net = new Net();
    const sd = net.stateDict();
    expect(sd['conv.weight'].requiresGrad).toBe(false);
    expect(sd['conv.weight'].sharesStorageWith(net.conv.weight)).toBe(true);
    sd['conv.weight'].dispose(); // disposing the view leaves the parameter alive
    expect(net.conv.weight.isDisposed).toBe(false);
  });

  it('copies in place under noGrad: references stay valid, values change, no graph is recorded', () => {
    torch.manualSeed(3);
    const a = new Net();
    const b = new Net();
    const weight = b.conv.weight;
    const result = b.loadStateDict(a.stateDict());
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.conv.weight).toBe(weight);
    expect(weight.equal(a.conv.weight)).toBe(true);
    expect(weight.isLeaf && weight.requiresGrad && !weight.hasGradFn).toBe(true);
    const x = torch.randn([2, 3, 4, 4]);
    a.eval();
    b.eval();
    expect(b.forward(x).equal(a.forward(x))).toBe(true);
  });

  it('strict (default) throws listing missing and unexpected keys like PyTorch (its exact message and order)', () => {
    const net = new Net();
    const sd = net.stateDict();
    delete sd['bn.running_var'];
    sd['bn.runing_mean'] = torch.zeros([4]);
    sd['extra.weight'] = torch.zeros([1]);
    expect(() => net.loadStateDict(sd)).toThrow(
      'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "bn.running_var". \n\tUnexpected key(s) in state_dict: "extra.weight", "bn.runing_mean". ',
    );
    expect(net.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['bn.running_var'], unexpectedKeys: ['extra.weight', 'bn.runing_mean'] });
  });

  it('a shape mismatch throws naming the key, strict or not', () => {
    const net = new Net();
    const sd = net.stateDict();
    sd['head.1.weight'] = torch.zeros([10, 64]);
    const message =
      'size mismatch for head.1.weight: copying a param with shape [10, 64] from checkpoint, the shape in current model is [2, 64].';
    expect(() => net.loadStateDict(sd)).toThrow(message);
    expect(() => net.loadStateDict(sd, { strict: false })).toThrow(message);
    sd['head.1.weight'] = 3 as unknown as Tensor;
    expect(() => net.loadStateDict(sd)).toThrow(/While copying the parameter named "head.1.weight", expected Tensor/);
    expect(() => net.loadStateDict(null as never)).toThrow(TypeError);
    expect(() => net.loadStateDict({}, { strcit: true } as never)).toThrow(/unknown option 'strcit'/);
  });

  it('converts dtypes like param.copy_ and accepts old checkpoints without num_batches_tracked', () => {
    const net = new Net();
    const sd: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(net.stateDict())) if (!k.endsWith('num_batches_tracked')) sd[k] = v.to('float64');
    net.bn.num_batches_tracked!.add_(5);
    expect(net.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(net.conv.weight.dtype).toBe('float32');
    expect(net.bn.num_batches_tracked!.item()).toBe(0);
  });

  it('a null parameter is not loaded: its key is unexpected', () => {
    const conv = new nn.Conv2d(2, 2, 1, { bias: false });
    const result = conv.loadStateDict({ weight: torch.zeros([2, 2, 1, 1]), bias: torch.zeros([2]) }, { strict: false });
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: ['bias'] });
  });
});

describe('gradients, dtypes and devices', () => {
  it('zeroGrad sets gradients to null (default) or zeros them in place', () => {
    const net = new Net();
    const x = torch.randn([2, 3, 4, 4]);
    net.forward(x).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad({ setToNone: false });
    expect(net.parameters().every((p) => p.grad!.abs().sum().item() === 0)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('to(dtype) casts floating point tensors in place, keeping identity and requiresGrad; int64 buffers stay', () => {
    const net = new Net();
    net.forward(torch.randn([2, 3, 4, 4])).sum().backward();
    const weight = net.conv.weight;
    expect(net.to('float64')).toBe(net);
    expect(net.conv.weight).toBe(weight);
    expect(weight.dtype).toBe('float64');
    expect(weight.requiresGrad).toBe(true);
    expect(weight.grad!.dtype).toBe('float64');
    expect(net.bn.num_batches_tracked!.dtype).toBe('int64');
    expect(net.bn.running_mean!.dtype).toBe('float64');
    const out = net.forward(torch.randn([2, 3, 4, 4], { dtype: 'float64' }));
    expect(out.dtype).toBe('float64');
    net.to({ dtype: 'float32', device: 'cpu' });
    expect(weight.dtype).toBe('float32');
    expect(() => net.to('int64')).toThrow(/only floating point dtypes/);
  });

  it.skipIf(!torch.cuda.isAvailable())('to("cuda") moves every tensor, keeping identity', () => {
    const net = new Net();
    const weight = net.conv.weight;
    net.to('cuda');
    expect(weight.device).toBe('cuda:0');
    expect(net.bn.num_batches_tracked!.device).toBe('cuda:0');
  });

  it('dispose() frees every parameter and buffer', () => {
    const net = new Net();
    const tensors = [...net.parameters(), ...net.buffers()];
    net.dispose();
    expect(tensors.every((t) => t.isDisposed)).toBe(true);
  });
});

describe('layers run the functional ops', () => {
  it('Conv2d / Linear / ReLU / MaxPool2d / AdaptiveAvgPool2d / Flatten / Identity / CrossEntropyLoss', () => {
    const x = torch.randn([2, 3, 9, 9]);
    const conv = new nn.Conv2d(3, 6, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: 1, groups: 3 });
    expect(conv.forward(x).equal(F.conv2d(x, conv.weight, conv.bias, { stride: [2, 1], padding: [1, 0], groups: 3 }))).toBe(true);
    expect(conv.weight.shape).toEqual([6, 1, 3, 2]);
    const pool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
    expect(pool.forward(x).equal(F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }))).toBe(true);
    expect(new nn.MaxPool2d(2).stride).toEqual([2, 2]);
    expect(new nn.AdaptiveAvgPool2d([1, 1]).forward(x).shape).toEqual([2, 3, 1, 1]);
    expect(new nn.AdaptiveAvgPool2d([null, 2]).forward(x).shape).toEqual([2, 3, 9, 2]);
    const flat = new nn.Flatten().forward(x);
    expect(flat.shape).toEqual([2, 243]);
    const linear = new nn.Linear(243, 4);
    const logits = linear.forward(flat);
    expect(logits.equal(F.linear(flat, linear.weight, linear.bias))).toBe(true);
    expect(new nn.Identity().forward(x)).toBe(x);
    const y = x.clone();
    expect(new nn.ReLU({ inplace: true }).forward(y)).toBe(y);
    expect(y.equal(F.relu(x))).toBe(true);
    expect(new nn.ReLU().forward(x).equal(F.relu(x))).toBe(true);
    const target = torch.tensor([1n, 3n]);
    const loss = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
    expect(loss.forward(logits, target).equal(F.crossEntropy(logits, target, { labelSmoothing: 0.1 }))).toBe(true);
    const weighted = new nn.CrossEntropyLoss({ weight: torch.ones([4]) });
    expect(Object.keys(weighted.stateDict())).toEqual(['weight']); // a buffer, as in PyTorch
  });

  it('Sequential names its children "0", "1", ... and runs them in order', () => {
    const s = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    expect(s.length).toBe(3);
    expect(s.at(-1)).toBeInstanceOf(nn.Linear);
    expect([...s].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    expect(Object.keys(s.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const x = torch.randn([5, 4]);
    const manual = (s.at(2) as nn.Linear).forward((s.at(1) as nn.ReLU).forward((s.at(0) as nn.Linear).forward(x)));
    expect(s.forward(x).equal(manual)).toBe(true);
    s.append(new nn.Identity());
    expect(s.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2', '3']);
    expect(() => s.at(4)).toThrow(RangeError);
  });

  it('checks constructor arguments with clear errors', () => {
    expect(() => new nn.Conv2d(3, 8, 3, { groups: 2 })).toThrow('Conv2d: inChannels (3) must be divisible by groups (2)');
    expect(() => new nn.Conv2d(4, 6, 3, { groups: 4 })).toThrow('Conv2d: outChannels (6) must be divisible by groups (4)');
    expect(() => new nn.Conv2d(3, 8, 3, { kernel_size: 3 } as never)).toThrow(/unknown option 'kernel_size'/);
    expect(() => new nn.Conv2d(3, 8, 3, { stride: 2, padding: 'same' })).toThrow(/padding='same' is not supported for strided/);
    expect(() => new nn.Conv2d(3, 8, 0)).toThrow(/kernelSize must be >= 1/);
    expect(() => new nn.Conv2d(3, 8, [3, 3, 3] as never)).toThrow(/expected a whole number or \[h, w\]/);
    expect(() => new nn.BatchNorm2d(3, { momentum: 2 })).toThrow(/momentum must be in \[0, 1\] or null/);
    expect(() => new nn.BatchNorm2d(3, { eps: 0 })).toThrow(/eps must be > 0/);
    expect(() => new nn.AdaptiveAvgPool2d([0, 1])).toThrow(/outputSize/);
    expect(() => new nn.ReLU({ inPlace: true } as never)).toThrow(/unknown option 'inPlace'/);
  });
});
