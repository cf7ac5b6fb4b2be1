// torchvision.transforms.functional on tensors: each function runs the same
// ATen ops as torchvision's tensor implementation (0.14, functional_tensor.py),
// so on the same pixels the results are bit-identical.
//
// Images are tensors of shape (C, H, W) or (N, C, H, W): uint8 in [0, 255]
// or floating point in [0, 1].

import { type DType } from '../native.js';
import { native } from '../native.js';
import { checkOptions, describe, Tensor, unwrap } from '../tensor.js';

export type InterpolationMode = 'nearest' | 'bilinear' | 'bicubic';

function imageSize(op: string, img: Tensor): [number, number] {
  if (!(img instanceof Tensor)) throw new TypeError(`${op}: expected Tensor for img but received ${describe(img)}`);
  const shape = img.shape;
  if (shape.length < 2) throw new RangeError(`${op}: expected a tensor image (..., H, W) but it has ${shape.length} dimensions`);
  return [shape[shape.length - 2], shape[shape.length - 1]];
}

function wholeNumber(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number') throw new TypeError(`${op}: expected number for ${name} but received ${describe(value)}`);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${op}: ${name} must be a whole number >= ${min} but received ${value}`);
  return value;
}

/**
 * The output [h, w] of resize, as torchvision computes it: a number (or [n])
 * sizes the shorter side to n and the longer to int(n * long / short), capped
 * by maxSize; [h, w] is taken as is.
 */
export function resizedSize(height: number, width: number, size: number | readonly number[], maxSize?: number | null): [number, number] {
  const list = typeof size === 'number' ? [size] : [...size];
  if (list.length !== 1 && list.length !== 2) {
    throw new RangeError(`resize: size must be a number or a 1 or 2 element array, not a ${list.length} element array`);
  }
  list.forEach((n) => wholeNumber('resize', 'size', n, 1));
  if (list.length === 2) {
    if (maxSize != null) throw new RangeError('resize: maxSize is only allowed when size is a number (the length of the smaller edge)');
    return [list[0], list[1]];
  }
  const [short, long] = width <= height ? [width, height] : [height, width];
  let newShort = list[0];
  let newLong = Math.trunc((newShort * long) / short);
  if (maxSize != null) {
    wholeNumber('resize', 'maxSize', maxSize, 1);
    if (maxSize <= newShort) {
      throw new RangeError(`resize: maxSize = ${maxSize} must be strictly greater than the requested size for the smaller edge size = ${newShort}`);
    }
    if (newLong > maxSize) {
      newShort = Math.trunc((maxSize * newShort) / newLong);
      newLong = maxSize;
    }
  }
  return width <= height ? [newLong, newShort] : [newShort, newLong];
}

export interface ResizeOptions {
  interpolation?: InterpolationMode;
  maxSize?: number | null;
  /** Anti-aliasing when downsizing (bilinear / bicubic). Default true, as torchvision >= 0.17 and PIL. */
  antialias?: boolean;
}

/**
 * Resizes an image: a number sizes the shorter side (keeping the aspect
 * ratio), [h, w] sets both. uint8 images are resampled in float32 and
 * rounded back, as torchvision does.
 * @example resize(img, 256)  // shorter side 256, antialiased bilinear
 */
export function resize(img: Tensor, size: number | readonly number[], options: ResizeOptions = {}): Tensor {
  checkOptions('resize', options, ['interpolation', 'maxSize', 'antialias']);
  const [h, w] = imageSize('resize', img);
  const { interpolation = 'bilinear', maxSize = null, antialias = true } = options;
  if (antialias && interpolation === 'nearest') {
    throw new RangeError("resize: antialias is supported for bilinear and bicubic interpolation only (pass antialias: false with 'nearest')");
  }
  return new Tensor(native.tvResize(unwrap(img), resizedSize(h, w, size, maxSize), interpolation, antialias));
}

/** Crops the box at (top, left) of size height x width; parts outside the image are zero. @example crop(img, 10, 20, 224, 224) */
export function crop(img: Tensor, top: number, left: number, height: number, width: number): Tensor {
  imageSize('crop', img);
  return new Tensor(native.tvCrop(unwrap(img), top, left, height, width));
}

/**
 * Crops the center (torchvision's offsets: int(round((h - th) / 2)) with
 * Python's round, halves to even); pads with zeros first when the image is
 * smaller than the crop.
 * @example centerCrop(img, 224)
 */
export function centerCrop(img: Tensor, size: number | readonly number[]): Tensor {
  imageSize('centerCrop', img);
  return new Tensor(native.tvCenterCrop(unwrap(img), cropSize('centerCrop', size)));
}

/** [h, w] from a number, [n] or [h, w] (torchvision's center_crop sizes). */
export function cropSize(op: string, size: number | readonly number[]): [number, number] {
  const list = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 1 ? [size[0], size[0]] : [...size];
  if (list.length !== 2) throw new RangeError(`${op}: size must be a number or a 1 or 2 element array, not a ${list.length} element array`);
  return [wholeNumber(op, 'size', list[0], 0), wholeNumber(op, 'size', list[1], 0)];
}

export interface PadOptions {
  fill?: number;
  paddingMode?: 'constant' | 'edge' | 'reflect';
}

/**
 * Pads the borders: a number pads all four, [lr, tb] left/right and
 * top/bottom, [left, top, right, bottom] each (torchvision's order).
 * @example pad(img, 4, { paddingMode: 'reflect' })
 */
export function pad(img: Tensor, padding: number | readonly number[], options: PadOptions = {}): Tensor {
  checkOptions('pad', options, ['fill', 'paddingMode']);
  imageSize('pad', img);
  const list = typeof padding === 'number' ? [padding] : [...padding];
  if (![1, 2, 4].includes(list.length)) throw new RangeError(`pad: padding must be a number or a 1, 2, or 4 element array, not a ${list.length} element array`);
  list.forEach((n) => {
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`pad: expected whole numbers for padding but received ${describe(n)}`);
  });
  const [l, t, r, b] = list.length === 1 ? [list[0], list[0], list[0], list[0]] : list.length === 2 ? [list[0], list[1], list[0], list[1]] : list;
  return new Tensor(native.tvPad(unwrap(img), [l, r, t, b], options.fill ?? 0, options.paddingMode ?? 'constant'));
}

/** Mirrors left to right. @example hflip(img) */
export function hflip(img: Tensor): Tensor {
  imageSize('hflip', img);
  return new Tensor(native.tvHflip(unwrap(img)));
}

/**
 * Converts between dtypes, rescaling values: uint8 [0, 255] <-> float [0, 1]
 * (what ToTensor does to the values), exactly as torchvision.
 * @example convertImageDtype(img, 'float32')
 */
export function convertImageDtype(img: Tensor, dtype: DType = 'float32'): Tensor {
  if (!(img instanceof Tensor)) throw new TypeError(`convertImageDtype: expected Tensor for image but received ${describe(img)}`);
  return new Tensor(native.tvConvertDtype(unwrap(img), dtype));
}

/**
 * (img - mean) / std per channel, computed in the image's dtype.
 * @example normalize(img, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
 */
export function normalize(img: Tensor, mean: number | readonly number[], std: number | readonly number[], options: { inplace?: boolean } = {}): Tensor {
  checkOptions('normalize', options, ['inplace']);
  if (!(img instanceof Tensor)) throw new TypeError(`normalize: expected Tensor for tensor but received ${describe(img)}`);
  return new Tensor(native.tvNormalize(unwrap(img), mean, std, options.inplace ?? false));
}
