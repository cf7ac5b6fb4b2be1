// libtorch-resnet/transforms: torchvision.transforms on tensors.
//
//   import * as transforms from 'libtorch-resnet/transforms';
//   const preprocess = transforms.imagenet();            // Resize(256) + CenterCrop(224) + ToTensor + Normalize
//   const x = preprocess(await transforms.decodeImage(jpegBytes)); // float32 [3, 224, 224]

import { type DType, native } from '../native.js';
import { checkOptions, describe, Tensor, unwrap } from '../tensor.js';
import * as F from './functional.js';

export * from './functional.js';
export { F as functional };
export { decodeImage, type DecodeOptions, ImageDecodeError, loadDecoder } from './image.js';

/** A transform: a function from image tensor to image tensor. */
export type Transform = (img: Tensor) => Tensor;

/** The mean and std of ImageNet's RGB channels (torchvision's). */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

abstract class Base {
  abstract forward(img: Tensor): Tensor;
  /** The transform as a plain function. */
  get fn(): Transform {
    return (img) => this.forward(img);
  }
}

/**
 * Chains transforms; intermediate tensors are freed as it goes (the input is not).
 * @example new Compose([new Resize(256), new CenterCrop(224), new ToTensor(), new Normalize(IMAGENET_MEAN, IMAGENET_STD)])
 */
export class Compose extends Base {
  readonly transforms: readonly (Base | Transform)[];
  constructor(transforms: readonly (Base | Transform)[]) {
    super();
    if (!Array.isArray(transforms)) throw new TypeError(`Compose: expected Array of transforms but received ${describe(transforms)}`);
    transforms.forEach((t, i) => {
      if (!(t instanceof Base) && typeof t !== 'function') throw new TypeError(`Compose: transform ${i} is not a transform (${describe(t)})`);
    });
    this.transforms = [...transforms];
  }
  forward(img: Tensor): Tensor {
    let x = img;
    for (const t of this.transforms) {
      const next = t instanceof Base ? t.forward(x) : t(x);
      if (x !== img && x !== next) x.dispose();
      x = next;
    }
    return x;
  }
}

export class Resize extends Base {
  constructor(
    readonly size: number | readonly number[],
    readonly options: F.ResizeOptions = {},
  ) {
    super();
    checkOptions('Resize', options, ['interpolation', 'maxSize', 'antialias']);
  }
  forward(img: Tensor): Tensor {
    return F.resize(img, this.size, this.options);
  }
}

export class CenterCrop extends Base {
  constructor(readonly size: number | readonly number[]) {
    super();
  }
  forward(img: Tensor): Tensor {
    return F.centerCrop(img, this.size);
  }
}

export class Pad extends Base {
  constructor(
    readonly padding: number | readonly number[],
    readonly options: F.PadOptions = {},
  ) {
    super();
  }
  forward(img: Tensor): Tensor {
    return F.pad(img, this.padding, this.options);
  }
}

export class Normalize extends Base {
  constructor(
    readonly mean: number | readonly number[],
    readonly std: number | readonly number[],
    readonly options: { inplace?: boolean } = {},
  ) {
    super();
  }
  forward(img: Tensor): Tensor {
    return F.normalize(img, this.mean, this.std, this.options);
  }
}

export class ConvertImageDtype extends Base {
  constructor(readonly dtype: DType = 'float32') {
    super();
  }
  forward(img: Tensor): Tensor {
    return F.convertImageDtype(img, this.dtype);
  }
}

/** uint8 [0, 255] image tensor -> float32 [0, 1] (the values ToTensor gives; images here are already CHW tensors). */
export class ToTensor extends ConvertImageDtype {
  constructor() {
    super('float32');
  }
}

/** Always flips (torchvision's RandomHorizontalFlip with p = 1; use hflip for your own randomness). */
export class HorizontalFlip extends Base {
  forward(img: Tensor): Tensor {
    return F.hflip(img);
  }
}

export interface ImagenetOptions {
  resizeSize?: number;
  cropSize?: number;
  mean?: readonly number[];
  std?: readonly number[];
  interpolation?: F.InterpolationMode;
  antialias?: boolean;
}

/**
 * torchvision's ImageNet evaluation preprocessing (ResNet50_Weights.IMAGENET1K_V1.transforms()):
 * resize the shorter side to 256 (antialiased bilinear), center crop 224,
 * to float in [0, 1], normalize with ImageNet's mean and std.
 * @example const x = transforms.imagenet()(img) // uint8 [3, H, W] -> float32 [3, 224, 224]
 */
export function imagenet(options: ImagenetOptions = {}): Transform {
  const { resizeSize, cropSize, mean, std, interpolation, antialias } = imagenetOptions('imagenet', options);
  return new Compose([
    new Resize(resizeSize, { interpolation, antialias }),
    new CenterCrop(cropSize),
    new ConvertImageDtype('float32'),
    new Normalize(mean, std, { inplace: true }),
  ]).fn;
}

function imagenetOptions(op: string, options: ImagenetOptions): Required<ImagenetOptions> {
  checkOptions(op, options, ['resizeSize', 'cropSize', 'mean', 'std', 'interpolation', 'antialias']);
  const { resizeSize = 256, cropSize = 224, mean = IMAGENET_MEAN, std = IMAGENET_STD, interpolation = 'bilinear', antialias = true } = options;
  return { resizeSize, cropSize, mean, std, interpolation, antialias };
}

/**
 * imagenet(options)(img) on a libuv worker thread (what a server wants: a
 * large photo's resize never blocks the event loop). Same ops, same bits.
 * @example const x = await transforms.imagenetAsync(await transforms.decodeImage(bytes))
 */
export function imagenetAsync(img: Tensor, options: ImagenetOptions = {}): Promise<Tensor> {
  try {
    const o = imagenetOptions('imagenetAsync', options);
    if (!(img instanceof Tensor)) throw new TypeError(`imagenetAsync: expected Tensor for img but received ${describe(img)}`);
    const shape = img.shape;
    const size = F.resizedSize(shape[shape.length - 2], shape[shape.length - 1], o.resizeSize);
    const crop = F.cropSize('imagenetAsync', o.cropSize);
    return native.tvImagenetAsync(unwrap(img), size, crop, o.interpolation, o.antialias, o.mean, o.std).then((h) => new Tensor(h));
  } catch (error) {
    return Promise.reject(error);
  }
}
