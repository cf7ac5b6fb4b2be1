// torchvision's ResNet (models/resnet.py, 0.14) and its factories, with every
// knob: numClasses, zeroInitResidual, groups, widthPerGroup,
// replaceStrideWithDilation, normLayer, plus inChannels (e.g. 1 for
// grayscale). Modules are created in torchvision's order (a layer's
// downsample before its first block), so `manualSeed(s)` then a factory gives
// the weights `torch.manual_seed(s)` then the torchvision constructor gives.

import { checkOptions, nn, type Tensor, tidy } from '../lib/index.js';
import { BasicBlock, type BlockType, Bottleneck, conv1x1, initResNetWeights, type NormLayer, wholeNumber } from './blocks.js';

export interface ResNetOptions {
  /** Classifier outputs (default 1000). */
  numClasses?: number;
  /** Zero the last BN weight of every block, so each block starts as an identity. */
  zeroInitResidual?: boolean;
  groups?: number;
  /** Channels per group in the 3x3 conv of a Bottleneck (torchvision's width_per_group, default 64). */
  widthPerGroup?: number;
  /** For layer2..layer4: replace the stride-2 with a dilation (e.g. [false, true, true] for output stride 8). */
  replaceStrideWithDilation?: readonly [boolean, boolean, boolean] | null;
  normLayer?: NormLayer | null;
  /** Input channels of the stem conv (default 3; not a torchvision knob). */
  inChannels?: number;
}

const RESNET_OPTIONS = ['numClasses', 'zeroInitResidual', 'groups', 'widthPerGroup', 'replaceStrideWithDilation', 'normLayer', 'inChannels'] as const;

/**
 * A ResNet from a block type and the number of blocks per stage.
 * @example const model = new ResNet(Bottleneck, [3, 4, 6, 3], { numClasses: 10 }); // resnet50 layout
 */
export class ResNet extends nn.Module {
  readonly block: BlockType;
  readonly layers: readonly number[];
  readonly groups: number;
  /** torchvision's base_width. */
  readonly baseWidth: number;
  declare conv1: nn.Conv2d;
  declare bn1: nn.Module;
  declare relu: nn.ReLU;
  declare maxpool: nn.MaxPool2d;
  declare layer1: nn.Sequential<BasicBlock | Bottleneck>;
  declare layer2: nn.Sequential<BasicBlock | Bottleneck>;
  declare layer3: nn.Sequential<BasicBlock | Bottleneck>;
  declare layer4: nn.Sequential<BasicBlock | Bottleneck>;
  declare avgpool: nn.AdaptiveAvgPool2d;
  declare fc: nn.Linear;

  #inplanes = 64;
  #dilation = 1;
  readonly #normLayer: NormLayer;

  constructor(block: BlockType, layers: readonly number[], options: ResNetOptions = {}) {
    super();
    checkOptions('ResNet', options, RESNET_OPTIONS);
    if (typeof block !== 'function' || typeof (block as { expansion?: unknown }).expansion !== 'number') {
      throw new TypeError('ResNet: block must be BasicBlock, Bottleneck or a subclass with a static expansion');
    }
    if (!Array.isArray(layers) || layers.length !== 4) {
      throw new RangeError(`ResNet: layers must list the number of blocks of the 4 stages (e.g. [2, 2, 2, 2]) but received ${JSON.stringify(layers)}`);
    }
    layers.forEach((n, i) => wholeNumber('ResNet', `layers[${i}]`, n, 1));
    const replace = options.replaceStrideWithDilation ?? [false, false, false];
    if (!Array.isArray(replace) || replace.length !== 3 || !replace.every((v) => typeof v === 'boolean')) {
      throw new RangeError(`ResNet: replaceStrideWithDilation should be null or a 3-element array of booleans, got ${JSON.stringify(options.replaceStrideWithDilation)}`);
    }
    const numClasses = wholeNumber('ResNet', 'numClasses', options.numClasses ?? 1000, 1);
    const inChannels = wholeNumber('ResNet', 'inChannels', options.inChannels ?? 3, 1);
    this.groups = wholeNumber('ResNet', 'groups', options.groups ?? 1, 1);
    this.baseWidth = wholeNumber('ResNet', 'widthPerGroup', options.widthPerGroup ?? 64, 1);
    this.#normLayer = options.normLayer ?? ((c) => new nn.BatchNorm2d(c));
    this.block = block;
    this.layers = [...layers];

    this.registerModule('conv1', new nn.Conv2d(inChannels, this.#inplanes, 7, { stride: 2, padding: 3, bias: false }));
    this.registerModule('bn1', this.#normLayer(this.#inplanes));
    this.registerModule('relu', new nn.ReLU({ inplace: true }));
    this.registerModule('maxpool', new nn.MaxPool2d(3, { stride: 2, padding: 1 }));
    this.registerModule('layer1', this.#makeLayer(block, 64, layers[0]));
    this.registerModule('layer2', this.#makeLayer(block, 128, layers[1], 2, replace[0]));
    this.registerModule('layer3', this.#makeLayer(block, 256, layers[2], 2, replace[1]));
    this.registerModule('layer4', this.#makeLayer(block, 512, layers[3], 2, replace[2]));
    this.registerModule('avgpool', new nn.AdaptiveAvgPool2d([1, 1]));
    this.registerModule('fc', new nn.Linear(512 * block.expansion, numClasses));

    initResNetWeights(this, options.zeroInitResidual ?? false);
  }

  #makeLayer(block: BlockType, planes: number, blocks: number, stride = 1, dilate = false): nn.Sequential {
    const normLayer = this.#normLayer;
    let downsample: nn.Module | null = null;
    const previousDilation = this.#dilation;
    if (dilate) {
      this.#dilation *= stride;
      stride = 1;
    }
    if (stride !== 1 || this.#inplanes !== planes * block.expansion) {
      downsample = new nn.Sequential(conv1x1(this.#inplanes, planes * block.expansion, stride), normLayer(planes * block.expansion));
    }
    const layers: nn.Module[] = [];
    layers.push(
      new block(this.#inplanes, planes, { stride, downsample, groups: this.groups, baseWidth: this.baseWidth, dilation: previousDilation, normLayer }),
    );
    this.#inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) {
      layers.push(new block(this.#inplanes, planes, { groups: this.groups, baseWidth: this.baseWidth, dilation: this.#dilation, normLayer }));
    }
    return new nn.Sequential(...layers);
  }

  forward(input: Tensor): Tensor {
    // Each intermediate is freed once its last use has passed, as Python frees
    // it (autograd keeps what it saved); tidy catches the rest, and all on error.
    return tidy(() => {
      const pooled = nn.forwardChain(input, [
        this.conv1, this.bn1, this.relu, this.maxpool,
        this.layer1, this.layer2, this.layer3, this.layer4,
        this.avgpool,
      ]);
      const x = pooled.flatten(1);
      if (pooled !== input) nn.release(pooled, this.avgpool);
      return this.fc.forward(x);
    });
  }
}

/** torchvision's _ovewrite_named_param: a factory's fixed knob may be repeated, never changed. */
function overwrite(factory: string, options: ResNetOptions, name: 'groups' | 'widthPerGroup', value: number): ResNetOptions {
  checkOptions(factory, options, RESNET_OPTIONS);
  const given = options[name];
  if (given !== undefined && given !== value) {
    throw new RangeError(`${factory}: the parameter '${name}' expected value ${value} but got ${given} instead`);
  }
  return { ...options, [name]: value };
}

/** ResNet-18 (11.7 M parameters). @example const model = resnet18({ numClasses: 10 }); */
export function resnet18(options: ResNetOptions = {}): ResNet {
  return new ResNet(BasicBlock, [2, 2, 2, 2], options);
}

/** ResNet-34. */
export function resnet34(options: ResNetOptions = {}): ResNet {
  return new ResNet(BasicBlock, [3, 4, 6, 3], options);
}

/** ResNet-50 (v1.5: stride on the 3x3 conv). */
export function resnet50(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 6, 3], options);
}

/** ResNet-101. */
export function resnet101(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 23, 3], options);
}

/** ResNet-152. */
export function resnet152(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 8, 36, 3], options);
}

/** ResNeXt-50 32x4d (groups 32, width per group 4). */
export function resnext50_32x4d(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 6, 3], overwrite('resnext50_32x4d', overwrite('resnext50_32x4d', options, 'groups', 32), 'widthPerGroup', 4));
}

/** ResNeXt-101 32x8d. */
export function resnext101_32x8d(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 23, 3], overwrite('resnext101_32x8d', overwrite('resnext101_32x8d', options, 'groups', 32), 'widthPerGroup', 8));
}

/** ResNeXt-101 64x4d. */
export function resnext101_64x4d(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 23, 3], overwrite('resnext101_64x4d', overwrite('resnext101_64x4d', options, 'groups', 64), 'widthPerGroup', 4));
}

/** Wide ResNet-50-2 (bottleneck twice as wide). */
export function wide_resnet50_2(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 6, 3], overwrite('wide_resnet50_2', options, 'widthPerGroup', 64 * 2));
}

/** Wide ResNet-101-2. */
export function wide_resnet101_2(options: ResNetOptions = {}): ResNet {
  return new ResNet(Bottleneck, [3, 4, 23, 3], overwrite('wide_resnet101_2', options, 'widthPerGroup', 64 * 2));
}
