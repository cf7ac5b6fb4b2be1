// The residual blocks of torchvision's resnet.py, line by line: the same
// modules created in the same order (so a seeded construction draws the same
// random numbers), registered under the same names (so state_dict keys match),
// and the same ops in forward (in-place add and ReLU, as torchvision's
// `out += identity; out = self.relu(out)` with nn.ReLU(inplace=True)).

import { checkOptions, nn, type Tensor, tidy } from '../lib/index.js';

/** Makes the normalization layer of a block (torchvision's `norm_layer`); defaults to nn.BatchNorm2d. */
export type NormLayer = (numFeatures: number) => nn.Module;

const defaultNorm: NormLayer = (numFeatures) => new nn.BatchNorm2d(numFeatures);

/** @internal A whole number >= min, or a RangeError naming the option. */
export function wholeNumber(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${op}: ${name} must be a whole number >= ${min} but received ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * 3x3 convolution with padding = dilation (so the spatial size only changes
 * with the stride), no bias: the BatchNorm after it has one.
 * @example conv3x3(64, 64, 2)
 */
export function conv3x3(inPlanes: number, outPlanes: number, stride = 1, groups = 1, dilation = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, bias: false, dilation });
}

/** 1x1 convolution, no padding, no bias. @example conv1x1(256, 64) */
export function conv1x1(inPlanes: number, outPlanes: number, stride = 1): nn.Conv2d {
  return new nn.Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

export interface BlockOptions {
  /** Stride of the block (on conv1 of a BasicBlock, on conv2 of a Bottleneck). */
  stride?: number;
  /** Applied to the block's input to match the residual's shape (a Sequential(conv1x1, norm)). */
  downsample?: nn.Module | null;
  groups?: number;
  /** Width per group (torchvision's base_width). */
  baseWidth?: number;
  dilation?: number;
  normLayer?: NormLayer | null;
}

const BLOCK_OPTIONS = ['stride', 'downsample', 'groups', 'baseWidth', 'dilation', 'normLayer'] as const;

// `out += identity` (in place, as torchvision), the identity being the
// block's input or downsample(input); a downsampled identity is freed at once.
function addShortcut(out: Tensor, x: Tensor, downsample: nn.Module | null): void {
  if (downsample === null) {
    out.add_(x);
    return;
  }
  const identity = downsample.forward(x);
  out.add_(identity);
  if (identity !== x) nn.release(identity, downsample);
}

/**
 * Two 3x3 convolutions with a shortcut (ResNet-18/34 and the CIFAR ResNets).
 * @example new BasicBlock(64, 128, { stride: 2, downsample: new nn.Sequential(conv1x1(64, 128, 2), new nn.BatchNorm2d(128)) })
 */
export class BasicBlock extends nn.Module {
  /** forward keeps no reference to its input or output: a Sequential may free intermediates. */
  static readonly releasesTensors = true;
  /** Output channels = planes * expansion. */
  static readonly expansion: number = 1;
  readonly stride: number;
  declare conv1: nn.Conv2d;
  declare bn1: nn.Module;
  declare relu: nn.ReLU;
  declare conv2: nn.Conv2d;
  declare bn2: nn.Module;
  declare downsample: nn.Module | null;

  constructor(inplanes: number, planes: number, options: BlockOptions = {}) {
    super();
    checkOptions('BasicBlock', options, BLOCK_OPTIONS);
    const { stride = 1, downsample = null, groups = 1, baseWidth = 64, dilation = 1 } = options;
    const normLayer = options.normLayer ?? defaultNorm;
    if (groups !== 1 || baseWidth !== 64) {
      throw new RangeError(`BasicBlock only supports groups=1 and baseWidth=64 (received groups=${groups}, baseWidth=${baseWidth}); use Bottleneck for ResNeXt / wide ResNets`);
    }
    if (dilation > 1) throw new RangeError(`Dilation > 1 not supported in BasicBlock (received dilation=${dilation})`);
    // Both conv1 and downsample downsample the input when stride != 1.
    this.registerModule('conv1', conv3x3(inplanes, planes, stride));
    this.registerModule('bn1', normLayer(planes));
    this.registerModule('relu', new nn.ReLU({ inplace: true }));
    this.registerModule('conv2', conv3x3(planes, planes));
    this.registerModule('bn2', normLayer(planes));
    this.registerModule('downsample', downsample);
    this.stride = stride;
  }

  forward(x: Tensor): Tensor {
    // Each intermediate is freed once its last use has passed, as Python frees
    // it (autograd keeps what it saved); tidy catches the rest, and all on error.
    return tidy(() => {
      const out = nn.forwardChain(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2]);
      // The shortcut takes the block's input, never its output.
      addShortcut(out, x, this.downsample);
      return this.relu.forward(out);
    });
  }
}

/**
 * 1x1 (reduce) -> 3x3 (stride, groups, dilation) -> 1x1 (expand x4), with a
 * shortcut. The stride sits on the 3x3 conv2 ("ResNet v1.5"), as in torchvision.
 * @example new Bottleneck(256, 64)
 */
export class Bottleneck extends nn.Module {
  /** forward keeps no reference to its input or output: a Sequential may free intermediates. */
  static readonly releasesTensors = true;
  static readonly expansion: number = 4;
  readonly stride: number;
  declare conv1: nn.Conv2d;
  declare bn1: nn.Module;
  declare conv2: nn.Conv2d;
  declare bn2: nn.Module;
  declare conv3: nn.Conv2d;
  declare bn3: nn.Module;
  declare relu: nn.ReLU;
  declare downsample: nn.Module | null;

  constructor(inplanes: number, planes: number, options: BlockOptions = {}) {
    super();
    checkOptions('Bottleneck', options, BLOCK_OPTIONS);
    const { stride = 1, downsample = null, groups = 1, baseWidth = 64, dilation = 1 } = options;
    const normLayer = options.normLayer ?? defaultNorm;
    // int(planes * (base_width / 64.0)) * groups, in double precision as in Python.
    const width = Math.trunc(planes * (baseWidth / 64.0)) * groups;
    const expansion = (this.constructor as typeof Bottleneck).expansion;
    this.registerModule('conv1', conv1x1(inplanes, width));
    this.registerModule('bn1', normLayer(width));
    this.registerModule('conv2', conv3x3(width, width, stride, groups, dilation));
    this.registerModule('bn2', normLayer(width));
    this.registerModule('conv3', conv1x1(width, planes * expansion));
    this.registerModule('bn3', normLayer(planes * expansion));
    this.registerModule('relu', new nn.ReLU({ inplace: true }));
    this.registerModule('downsample', downsample);
    this.stride = stride;
  }

  forward(x: Tensor): Tensor {
    // Each intermediate is freed once its last use has passed (see BasicBlock).
    return tidy(() => {
      const out = nn.forwardChain(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2, this.relu, this.conv3, this.bn3]);
      addShortcut(out, x, this.downsample);
      return this.relu.forward(out);
    });
  }
}

/** A block class: BasicBlock, Bottleneck or a subclass (constructor + static expansion). */
export type BlockType = (new (inplanes: number, planes: number, options?: BlockOptions) => BasicBlock | Bottleneck) & { readonly expansion: number };

/** The BatchNorm-like weight of a norm layer, when it has one (torchvision: `m.bn3.weight is not None`). */
export function normWeight(m: nn.Module): Tensor | null {
  const w = (m as unknown as { weight?: unknown }).weight;
  return w !== null && typeof w === 'object' && 'shape' in w ? (w as Tensor) : null;
}

/**
 * torchvision's initialisation loop over self.modules(): kaiming_normal_
 * (fan_out, relu) for every conv, weight 1 / bias 0 for every BatchNorm, then
 * optionally the last BN of each residual branch to 0 (each block starts as
 * an identity). The classifier keeps nn.Linear's own initialisation.
 */
export function initResNetWeights(model: nn.Module, zeroInitResidual: boolean): void {
  for (const m of model.modules()) {
    if (m instanceof nn.Conv2d) {
      nn.init.kaiming_normal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    } else if (m instanceof nn.BatchNorm2d) {
      if (m.weight !== null) nn.init.constant_(m.weight, 1);
      if (m.bias !== null) nn.init.constant_(m.bias, 0);
    }
  }
  if (zeroInitResidual) {
    for (const m of model.modules()) {
      if (m instanceof Bottleneck) {
        const w = normWeight(m.bn3);
        if (w !== null) nn.init.constant_(w, 0);
      } else if (m instanceof BasicBlock) {
        const w = normWeight(m.bn2);
        if (w !== null) nn.init.constant_(w, 0);
      }
    }
  }
}
