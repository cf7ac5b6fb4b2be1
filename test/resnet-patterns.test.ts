// The wrong patterns of tutorial ResNets (design.md), one test each, plus the
// invalid configurations torchvision rejects. Each test is written so that
// the wrong pattern would make it fail: the downsample is checked to receive
// the block's input tensor itself, every conv's stride / padding / dilation is
// read off the module, every registered layer of a block is counted as called,
// and outputs are compared with a by-hand composition of the layers.

import { beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import {
  BasicBlock,
  Bottleneck,
  CifarResNet,
  conv1x1,
  conv3x3,
  ResNet,
  resnet18,
  resnet20,
  resnet34,
  resnet50,
  resnet101,
  resnet110,
  resnext50_32x4d,
  resnext101_32x8d,
  wide_resnet50_2,
  wide_resnet101_2,
} from '../resnet/index.js';
import { perturb } from '../scripts/parity.js';

type Block = BasicBlock | Bottleneck;
type Model = ResNet | CifarResNet;

beforeAll(() => torch.setNumThreads(1));

const blocksOf = (model: nn.Module): [string, Block][] =>
  model.namedModules().filter((entry): entry is [string, Block] => entry[1] instanceof BasicBlock || entry[1] instanceof Bottleneck);

const convsOf = (model: nn.Module): [string, nn.Conv2d][] =>
  model.namedModules().filter((entry): entry is [string, nn.Conv2d] => entry[1] instanceof nn.Conv2d);

/** Records the argument of every call of m.forward (the tensor object itself). */
function spyForward(m: nn.Module): Tensor[] {
  const calls: Tensor[] = [];
  const original = m.forward.bind(m);
  Object.defineProperty(m, 'forward', {
    configurable: true,
    value: (x: Tensor) => {
      calls.push(x);
      return original(x);
    },
  });
  return calls;
}

/** A few small models of every kind, built once (seeded, BN state perturbed so eval outputs are non-trivial). */
const MODELS: [string, () => Model][] = [
  ['resnet18', () => resnet18()],
  ['resnet34', () => resnet34()],
  ['resnet50', () => resnet50()],
  ['resnet101', () => resnet101()],
  ['resnext50_32x4d', () => resnext50_32x4d()],
  ['wide_resnet50_2', () => wide_resnet50_2({ numClasses: 10 })],
  ['resnet50 dilated', () => resnet50({ replaceStrideWithDilation: [false, true, true] })],
  ['resnet20', () => resnet20()],
  ['resnet110', () => resnet110()],
];
const built = new Map<string, Model>();
function model(name: string): Model {
  if (!built.has(name)) {
    torch.manualSeed(0);
    const m = MODELS.find(([n]) => n === name)![1]();
    torch.manualSeed(1);
    perturb(m);
    built.set(name, m);
  }
  return built.get(name)!;
}

function bottleneckWithDownsample(): { block: Bottleneck; downsample: nn.Sequential } {
  torch.manualSeed(5);
  const downsample = new nn.Sequential(conv1x1(64, 256, 2), new nn.BatchNorm2d(256));
  const block = new Bottleneck(64, 64, { stride: 2, downsample });
  perturb(block);
  block.eval();
  return { block, downsample };
}

describe('wrong pattern: downsample applied to the block output instead of its input', () => {
  it('a Bottleneck hands its own input tensor to downsample, and adds it to the residual branch', () => {
    const { block, downsample } = bottleneckWithDownsample();
    const seen = spyForward(downsample);
    const x = torch.randn([2, 64, 8, 8]);
    const out = torch.noGrad(() => block.forward(x));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(x);
    const expected = torch.noGrad(() => {
      let r = F(block.bn1, block.conv1, x).relu();
      r = F(block.bn2, block.conv2, r).relu();
      r = F(block.bn3, block.conv3, r);
      return r.add(downsample.forward(x)).relu();
    });
    expect(out.shape).toEqual([2, 256, 4, 4]);
    expect(out.equal(expected)).toBe(true);
  });

  it('in whole models, every downsample receives exactly its block\'s input', () => {
    for (const name of ['resnet18', 'resnet50', 'resnext50_32x4d', 'resnet20']) {
      const m = model(name);
      const inputs = new Map<Block, Tensor[]>();
      const downsampled = new Map<Block, Tensor[]>();
      for (const [, b] of blocksOf(m)) {
        inputs.set(b, spyForward(b));
        if (b.downsample !== null) downsampled.set(b, spyForward(b.downsample));
      }
      torch.tidy(() => torch.noGrad(() => m.eval().forward(torch.randn([1, 3, 64, 64]))));
      expect(downsampled.size, name).toBeGreaterThan(0);
      for (const [b, calls] of downsampled) {
        expect(calls, name).toHaveLength(1);
        expect(calls[0], name).toBe(inputs.get(b)![0]);
      }
      for (const [, b] of blocksOf(m)) {
        delete (b as unknown as Record<string, unknown>).forward;
        if (b.downsample !== null) delete (b.downsample as unknown as Record<string, unknown>).forward;
      }
    }
  });
});

/** conv then bn, by hand. */
function F(bn: nn.Module, conv: nn.Conv2d, x: Tensor): Tensor {
  return bn.forward(conv.forward(x));
}

describe('wrong pattern: stride on every conv of the Bottleneck', () => {
  it('only conv2 (the 3x3) carries the stride; conv1 and conv3 are 1x1 with stride 1', () => {
    const { block } = bottleneckWithDownsample();
    expect(block.conv1.kernelSize).toEqual([1, 1]);
    expect(block.conv1.stride).toEqual([1, 1]);
    expect(block.conv2.kernelSize).toEqual([3, 3]);
    expect(block.conv2.stride).toEqual([2, 2]);
    expect(block.conv3.kernelSize).toEqual([1, 1]);
    expect(block.conv3.stride).toEqual([1, 1]);
  });

  it('in every Bottleneck model; stages halve the size exactly once (layer1..4 at 64x64: 16, 8, 4, 2)', () => {
    for (const name of ['resnet50', 'resnet101', 'resnext50_32x4d', 'wide_resnet50_2']) {
      const m = model(name) as ResNet;
      for (const [path, b] of blocksOf(m)) {
        const first = path.endsWith('.0');
        const stride = first && path !== 'layer1.0' ? 2 : 1;
        expect(b).toBeInstanceOf(Bottleneck);
        const bottleneck = b as Bottleneck;
        expect([bottleneck.conv1.stride, bottleneck.conv2.stride, bottleneck.conv3.stride], `${name} ${path}`).toEqual([
          [1, 1],
          [stride, stride],
          [1, 1],
        ]);
        if (b.downsample !== null) expect(((b.downsample as nn.Sequential).at(0) as nn.Conv2d).stride).toEqual([stride, stride]);
      }
      const sizes = torch.tidy(() =>
        torch.noGrad(() => {
          m.eval();
          let x = m.maxpool.forward(m.relu.forward(m.bn1.forward(m.conv1.forward(torch.randn([1, 3, 64, 64])))));
          return [m.layer1, m.layer2, m.layer3, m.layer4].map((layer) => (x = layer.forward(x)).shape.slice(2));
        }),
      );
      expect(sizes, name).toEqual([
        [16, 16],
        [8, 8],
        [4, 4],
        [2, 2],
      ]);
    }
  });

  it('replaceStrideWithDilation moves the stride into dilation as torchvision does', () => {
    const m = model('resnet50 dilated') as ResNet;
    const conv2 = (path: string): nn.Conv2d => (m.namedModules().find(([n]) => n === path)![1] as Bottleneck).conv2;
    expect(conv2('layer2.0').stride).toEqual([2, 2]);
    expect([conv2('layer3.0').stride, conv2('layer3.0').dilation, conv2('layer3.1').dilation]).toEqual([
      [1, 1],
      [1, 1],
      [2, 2],
    ]);
    expect([conv2('layer4.0').stride, conv2('layer4.0').dilation, conv2('layer4.1').dilation]).toEqual([
      [1, 1],
      [2, 2],
      [4, 4],
    ]);
    const out = torch.tidy(() => torch.noGrad(() => m.eval().layer4.forward(m.layer3.forward(torch.randn([1, 512, 8, 8]))).shape));
    expect(out).toEqual([1, 2048, 8, 8]); // output stride 8
  });
});

describe('wrong pattern: padding=1 on 1x1 convs', () => {
  it('every 1x1 conv has padding 0, every 3x3 conv has padding = dilation, the stem 7x7 has padding 3', () => {
    for (const [name] of MODELS) {
      const m = model(name);
      for (const [path, conv] of convsOf(m)) {
        const k = conv.kernelSize[0];
        const expected = k === 1 ? [0, 0] : k === 3 ? conv.dilation : [3, 3];
        expect(conv.padding, `${name} ${path}`).toEqual(expected);
        expect(conv.bias, `${name} ${path}`).toBeNull(); // the BN after each conv has the bias
      }
    }
    expect(conv1x1(8, 16).padding).toEqual([0, 0]);
    expect(conv3x3(8, 16, 1, 1, 2).padding).toEqual([2, 2]);
  });
});

describe('wrong pattern: a pooled size that does not match the classifier', () => {
  it('avgpool is [1, 1] and fc.inFeatures = 512 * expansion (64 for the CIFAR nets), for any input size', () => {
    const expected: Record<string, number> = {
      resnet18: 512,
      resnet34: 512,
      resnet50: 2048,
      resnet101: 2048,
      resnext50_32x4d: 2048,
      wide_resnet50_2: 2048,
      'resnet50 dilated': 2048,
      resnet20: 64,
      resnet110: 64,
    };
    for (const [name] of MODELS) {
      const m = model(name);
      expect(m.avgpool.outputSize, name).toEqual([1, 1]);
      expect(m.fc.inFeatures, name).toBe(expected[name]);
      const classes = m.fc.outFeatures;
      for (const [h, w] of [
        [64, 64],
        [97, 97],
        [64, 128],
      ]) {
        const shape = torch.tidy(() => torch.noGrad(() => m.eval().forward(torch.randn([2, 3, h, w])).shape));
        expect(shape, `${name} at ${h}x${w}`).toEqual([2, classes]);
      }
    }
  });
});

describe('wrong pattern: a BasicBlock whose forward references a misspelled layer', () => {
  it('block fields are exactly torchvision\'s names, and each is the registered module', () => {
    const basic = blocksOf(model('resnet18')).find(([p]) => p === 'layer2.0')![1];
    expect(basic.namedChildren().map(([n]) => n)).toEqual(['conv1', 'bn1', 'relu', 'conv2', 'bn2', 'downsample']);
    const bottleneck = blocksOf(model('resnet50')).find(([p]) => p === 'layer1.0')![1];
    expect(bottleneck.namedChildren().map(([n]) => n)).toEqual(['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3', 'relu', 'downsample']);
    for (const b of [basic, bottleneck]) {
      for (const [name, child] of b.namedChildren()) expect((b as unknown as Record<string, unknown>)[name]).toBe(child);
    }
  });

  it('forward calls every registered layer (ReLU once per activation), nothing else', () => {
    for (const [name, path, reluCalls] of [
      ['resnet18', 'layer2.0', 2],
      ['resnet18', 'layer1.1', 2],
      ['resnet50', 'layer1.0', 3],
      ['resnet20', 'layer3.2', 2],
    ] as const) {
      const b = blocksOf(model(name)).find(([p]) => p === path)![1];
      const counts = new Map<string, Tensor[]>(b.namedChildren().map(([n, child]) => [n, spyForward(child)]));
      const channels = (b.conv1 as nn.Conv2d).inChannels;
      torch.tidy(() => torch.noGrad(() => b.eval().forward(torch.randn([1, channels, 8, 8]))));
      for (const [child, calls] of counts) expect(calls.length, `${name} ${path}.${child}`).toBe(child === 'relu' ? reluCalls : 1);
      for (const [, child] of b.namedChildren()) delete (child as unknown as Record<string, unknown>).forward;
    }
  });
});

describe('wrong pattern: no ReLU after the residual add', () => {
  it('a BasicBlock returns relu(residual + identity): no negatives although the sum has some', () => {
    torch.manualSeed(7);
    const block = new BasicBlock(16, 16);
    perturb(block);
    block.eval();
    const x = torch.randn([2, 16, 8, 8]);
    torch.noGrad(() => {
      const sum = F(block.bn2, block.conv2, F(block.bn1, block.conv1, x).relu()).add(x);
      expect(sum.min().item()).toBeLessThan(0);
      const out = block.forward(x);
      expect(out.min().item()).toBe(0);
      expect(out.equal(sum.relu())).toBe(true);
    });
  });

  it('a Bottleneck too', () => {
    const { block, downsample } = bottleneckWithDownsample();
    const x = torch.randn([2, 64, 8, 8]);
    const out = torch.noGrad(() => block.forward(x));
    expect(out.min().item()).toBe(0);
    const beforeRelu = torch.noGrad(() => {
      let r = F(block.bn1, block.conv1, x).relu();
      r = F(block.bn2, block.conv2, r).relu();
      return F(block.bn3, block.conv3, r).add(downsample.forward(x));
    });
    expect(beforeRelu.min().item()).toBeLessThan(0);
  });
});

describe('state_dict keys: torchvision\'s names only', () => {
  const KEY = /^(conv1\.weight|bn1\.(weight|bias|running_mean|running_var|num_batches_tracked)|layer[1-4]\.\d+\.(conv[1-3]\.weight|bn[1-3]\.(weight|bias|running_mean|running_var|num_batches_tracked)|downsample\.0\.weight|downsample\.1\.(weight|bias|running_mean|running_var|num_batches_tracked))|fc\.(weight|bias))$/;

  it('no key outside the naming scheme (no relu / maxpool / avgpool / misspelled fields)', () => {
    for (const [name] of MODELS) {
      const keys = torch.tidy(() => Object.keys(model(name).stateDict()));
      expect(keys.filter((k) => !KEY.test(k)), name).toEqual([]);
      expect(keys.filter((k) => /relu|pool/.test(k)), name).toEqual([]);
    }
    expect(Object.keys(model('resnet20').stateDict()).some((k) => k.startsWith('layer4'))).toBe(false);
  });

  it('registering a duplicate name on a block or model throws', () => {
    const b = new BasicBlock(8, 8);
    expect(() => b.registerModule('conv1', conv3x3(8, 8))).toThrow(/'conv1' is already registered on BasicBlock/);
    expect(() => model('resnet18').registerModule('fc', new nn.Linear(512, 10))).toThrow(/'fc' is already registered on ResNet/);
  });
});

describe('sizes are derived: widths from expansion, groups and widthPerGroup', () => {
  it('ResNeXt and wide Bottleneck widths match torchvision', () => {
    const resnext = blocksOf(model('resnext50_32x4d')).find(([p]) => p === 'layer1.0')![1] as Bottleneck;
    expect(resnext.conv2.groups).toBe(32);
    expect(resnext.conv2.weight.shape).toEqual([128, 4, 3, 3]); // int(64 * 4 / 64) * 32
    const wide = blocksOf(model('wide_resnet50_2')).find(([p]) => p === 'layer1.0')![1] as Bottleneck;
    expect([wide.conv1.outChannels, wide.conv3.outChannels]).toEqual([128, 256]);
    const b = new Bottleneck(64, 64, { groups: 32, baseWidth: 8 }); // resnext101_32x8d's layer1.0
    expect(b.conv2.weight.shape).toEqual([256, 8, 3, 3]);
  });

  it('inChannels sets the stem (e.g. grayscale), numClasses the classifier', () => {
    const m = resnet18({ inChannels: 1, numClasses: 10 });
    expect(m.conv1.weight.shape).toEqual([64, 1, 7, 7]);
    expect(torch.tidy(() => torch.noGrad(() => m.eval().forward(torch.randn([2, 1, 64, 64])).shape))).toEqual([2, 10]);
    const c = new CifarResNet(32, { inChannels: 1, numClasses: 100 });
    expect(c.conv1.weight.shape).toEqual([16, 1, 3, 3]);
    expect(c.fc.weight.shape).toEqual([100, 64]);
    expect([c.layer1.length, c.layer2.length, c.layer3.length]).toEqual([5, 5, 5]);
  });

  it('zeroInitResidual zeroes the last BN of each block, so a block starts as relu(identity)', () => {
    const m = resnet18({ zeroInitResidual: true });
    for (const [, b] of blocksOf(m)) expect(((b as BasicBlock).bn2 as nn.BatchNorm2d).weight!.abs().max().item()).toBe(0);
    const b = blocksOf(m).find(([p]) => p === 'layer1.1')![1];
    const x = torch.randn([2, 64, 8, 8]);
    expect(torch.noGrad(() => b.eval().forward(x)).equal(x.relu())).toBe(true);
    const bottlenecks = resnet50({ zeroInitResidual: true });
    for (const [, blk] of blocksOf(bottlenecks)) expect(((blk as Bottleneck).bn3 as nn.BatchNorm2d).weight!.abs().max().item()).toBe(0);
    expect((model('resnet50').layer1.at(0) as Bottleneck).bn3).not.toBeNull();
  });

  it('normLayer builds every norm layer of the model', () => {
    const made: number[] = [];
    const m = resnet18({
      normLayer: (c) => {
        made.push(c);
        return new nn.BatchNorm2d(c, { momentum: 0.01 });
      },
    });
    expect(made.length).toBe(m.modules().filter((x) => x instanceof nn.BatchNorm2d).length);
    expect(m.modules().filter((x) => x instanceof nn.BatchNorm2d).every((bn) => (bn as nn.BatchNorm2d).momentum === 0.01)).toBe(true);
  });
});

describe('invalid configurations throw clear errors, as torchvision', () => {
  it.each([
    ['layers of the wrong length', () => new ResNet(BasicBlock, [2, 2, 2]), /layers must list the number of blocks of the 4 stages/],
    ['layers of 5 stages', () => new ResNet(Bottleneck, [3, 4, 6, 3, 1]), /layers must list/],
    ['a stage with 0 blocks', () => new ResNet(BasicBlock, [2, 0, 2, 2]), /layers\[1\] must be a whole number >= 1/],
    ['groups != 1 with BasicBlock', () => resnet18({ groups: 2 }), /BasicBlock only supports groups=1 and baseWidth=64/],
    ['widthPerGroup != 64 with BasicBlock', () => resnet34({ widthPerGroup: 32 }), /BasicBlock only supports groups=1 and baseWidth=64/],
    ['dilation with BasicBlock', () => resnet18({ replaceStrideWithDilation: [false, false, true] }), /Dilation > 1 not supported in BasicBlock/],
    ['replaceStrideWithDilation of 2 entries', () => resnet50({ replaceStrideWithDilation: [true, false] as never }), /replaceStrideWithDilation should be null or a 3-element array of booleans/],
    ['replaceStrideWithDilation of numbers', () => resnet50({ replaceStrideWithDilation: [0, 1, 1] as never }), /3-element array of booleans, got \[0,1,1\]/],
    ['replaceStrideWithDilation as a string', () => resnet50({ replaceStrideWithDilation: 'yes' as never }), /3-element array of booleans/],
    ['a resnext factory given other groups', () => resnext50_32x4d({ groups: 16 }), /the parameter 'groups' expected value 32 but got 16/],
    ['a wide factory given another width', () => wide_resnet101_2({ widthPerGroup: 64 }), /the parameter 'widthPerGroup' expected value 128 but got 64/],
    ['resnext101_32x8d given another width', () => resnext101_32x8d({ widthPerGroup: 4 }), /expected value 8 but got 4/],
    ['a snake_case option', () => resnet18({ num_classes: 10 } as never), /unknown option 'num_classes' \(did you mean 'numClasses'\?\)/],
    ['numClasses 0', () => resnet18({ numClasses: 0 }), /numClasses must be a whole number >= 1/],
    ['a block that is not a block', () => new ResNet({} as never, [2, 2, 2, 2]), /block must be BasicBlock, Bottleneck/],
    ['a CIFAR depth that is not 6n + 2', () => new CifarResNet(21), /depth must be 6n \+ 2/],
    ['a CIFAR snake_case option', () => resnet20({ zero_init_residual: true } as never), /did you mean 'zeroInitResidual'/],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(message);
  });

  it('resnext50_32x4d accepts its own groups / widthPerGroup repeated', () => {
    expect(() => torch.tidy(() => resnext50_32x4d({ groups: 32, widthPerGroup: 4, numClasses: 2 }).dispose())).not.toThrow();
  });
});
