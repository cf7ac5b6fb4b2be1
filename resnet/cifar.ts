// The CIFAR-10 ResNets of the original paper (He et al. 2015, section 4.2):
// a 3x3 stem with 16 channels, three stages of n BasicBlocks with 16, 32 and
// 64 channels (depth 6n + 2), global average pooling and a linear classifier.
// Shortcuts are identities, and projections (1x1 conv + BN, the paper's
// option B) where the shape changes. Built from the same blocks and
// initialised like torchvision's ResNet (scripts/reference/resnet.py holds
// the Python reference of this architecture).

import { checkOptions, nn, type Tensor, tidy } from '../lib/index.js';
import { BasicBlock, conv1x1, conv3x3, initResNetWeights, type NormLayer, wholeNumber } from './blocks.js';

export interface CifarResNetOptions {
  /** Classifier outputs (default 10). */
  numClasses?: number;
  zeroInitResidual?: boolean;
  normLayer?: NormLayer | null;
  /** Input channels (default 3). */
  inChannels?: number;
}

const CIFAR_OPTIONS = ['numClasses', 'zeroInitResidual', 'normLayer', 'inChannels'] as const;

/**
 * A CIFAR-style ResNet of depth 6n + 2 for 32x32 inputs.
 * @example const model = new CifarResNet(56); // = resnet56()
 */
export class CifarResNet extends nn.Module {
  readonly depth: number;
  declare conv1: nn.Conv2d;
  declare bn1: nn.Module;
  declare relu: nn.ReLU;
  declare layer1: nn.Sequential<BasicBlock>;
  declare layer2: nn.Sequential<BasicBlock>;
  declare layer3: nn.Sequential<BasicBlock>;
  declare avgpool: nn.AdaptiveAvgPool2d;
  declare fc: nn.Linear;

  #inplanes = 16;
  readonly #normLayer: NormLayer;

  constructor(depth: number, options: CifarResNetOptions = {}) {
    super();
    checkOptions('CifarResNet', options, CIFAR_OPTIONS);
    if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
      throw new RangeError(`CifarResNet: depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110, ...) but received ${JSON.stringify(depth)}`);
    }
    const n = (depth - 2) / 6;
    const numClasses = wholeNumber('CifarResNet', 'numClasses', options.numClasses ?? 10, 1);
    const inChannels = wholeNumber('CifarResNet', 'inChannels', options.inChannels ?? 3, 1);
    this.#normLayer = options.normLayer ?? ((c) => new nn.BatchNorm2d(c));
    this.depth = depth;

    this.registerModule('conv1', conv3x3(inChannels, this.#inplanes));
    this.registerModule('bn1', this.#normLayer(this.#inplanes));
    this.registerModule('relu', new nn.ReLU({ inplace: true }));
    this.registerModule('layer1', this.#makeLayer(16, n, 1));
    this.registerModule('layer2', this.#makeLayer(32, n, 2));
    this.registerModule('layer3', this.#makeLayer(64, n, 2));
    this.registerModule('avgpool', new nn.AdaptiveAvgPool2d([1, 1]));
    this.registerModule('fc', new nn.Linear(64 * BasicBlock.expansion, numClasses));

    initResNetWeights(this, options.zeroInitResidual ?? false);
  }

  #makeLayer(planes: number, blocks: number, stride: number): nn.Sequential {
    const normLayer = this.#normLayer;
    let downsample: nn.Module | null = null;
    if (stride !== 1 || this.#inplanes !== planes * BasicBlock.expansion) {
      downsample = new nn.Sequential(conv1x1(this.#inplanes, planes * BasicBlock.expansion, stride), normLayer(planes * BasicBlock.expansion));
    }
    const layers: nn.Module[] = [new BasicBlock(this.#inplanes, planes, { stride, downsample, normLayer })];
    this.#inplanes = planes * BasicBlock.expansion;
    for (let i = 1; i < blocks; i++) layers.push(new BasicBlock(this.#inplanes, planes, { normLayer }));
    return new nn.Sequential(...layers);
  }

  forward(input: Tensor): Tensor {
    // Intermediates are freed when forward returns (autograd keeps what it saved).
    return tidy(() => {
      let x = this.conv1.forward(input);
      x = this.bn1.forward(x);
      x = this.relu.forward(x);

      x = this.layer1.forward(x);
      x = this.layer2.forward(x);
      x = this.layer3.forward(x);

      x = this.avgpool.forward(x);
      x = x.flatten(1);
      return this.fc.forward(x);
    });
  }
}

/** ResNet-20 for CIFAR (0.27 M parameters). */
export function resnet20(options: CifarResNetOptions = {}): CifarResNet {
  return new CifarResNet(20, options);
}

/** ResNet-32 for CIFAR. */
export function resnet32(options: CifarResNetOptions = {}): CifarResNet {
  return new CifarResNet(32, options);
}

/** ResNet-44 for CIFAR. */
export function resnet44(options: CifarResNetOptions = {}): CifarResNet {
  return new CifarResNet(44, options);
}

/** ResNet-56 for CIFAR. */
export function resnet56(options: CifarResNetOptions = {}): CifarResNet {
  return new CifarResNet(56, options);
}

/** ResNet-110 for CIFAR (1.7 M parameters). */
export function resnet110(options: CifarResNetOptions = {}): CifarResNet {
  return new CifarResNet(110, options);
}
