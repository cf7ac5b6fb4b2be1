// libtorch-resnet/transforms against torchvision 0.14 on tensors, bit for bit,
// on PNG fixtures of odd sizes written by scripts/reference/transforms.py.
// The images are decoded here with sharp and compared with PIL's pixels
// first, so the pipeline test covers decode + preprocessing end to end.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import * as transforms from '../lib/transforms/index.js';
import { FIXTURES } from './setup/fixtures.js';

const DIR = join(FIXTURES, 'transforms');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Case = { id: string; image: string; op: string; args: Record<string, any>; output: string };
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { threads: number; cases: Case[] };
const images = new Map<string, Tensor>();
function image(name: string): Tensor {
  let img = images.get(name);
  if (img === undefined) {
    img = torch.keep(torch.loadNpy(join(DIR, `${name}.npy`)));
    images.set(name, img);
  }
  return img;
}

function run(c: Case): Tensor {
  const img = image(c.image);
  const a = c.args;
  const T = transforms;
  switch (c.op) {
    case 'imagenet':
      return T.imagenet({ antialias: a.antialias })(img);
    case 'resize':
      return T.resize(img, a.size, { interpolation: a.interpolation, antialias: a.antialias, maxSize: a.maxSize });
    case 'resizeFloat':
      return T.resize(T.convertImageDtype(img, 'float32'), a.size, { interpolation: a.interpolation, antialias: a.antialias });
    case 'centerCrop':
      return T.centerCrop(img, a.size);
    case 'crop':
      return T.crop(img, a.box[0], a.box[1], a.box[2], a.box[3]);
    case 'pad':
      return T.pad(img, a.padding, { fill: a.fill, paddingMode: a.mode });
    case 'hflip':
      return T.hflip(img);
    case 'convertImageDtype':
      return T.convertImageDtype(img, a.dtype);
    case 'floatToUint8':
      return T.convertImageDtype(T.convertImageDtype(img, 'float32'), 'uint8');
    case 'normalize':
      return T.normalize(T.convertImageDtype(img, 'float32'), a.mean, a.std);
    case 'interpolate':
      return torch.nn.functional.interpolate(img, {
        mode: a.mode,
        size: a.size,
        scaleFactor: a.scale_factor,
        alignCorners: a.align_corners,
        antialias: a.antialias,
      });
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

describe('transforms equal torchvision bit for bit', () => {
  torch.setNumThreads(manifest.threads);
  it.each(manifest.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    torch.tidy(() => {
      const out = run(c);
      const ref = torch.loadNpy(join(DIR, c.output));
      expect(out.dtype).toBe(ref.dtype);
      expect(out.shape).toEqual(ref.shape);
      expect(out.equal(ref)).toBe(true);
    });
  });

  it('the fixtures tell the options apart (antialias on and off differ)', () => {
    const [on, off] = ['aa1', 'aa0'].map((s) => torch.loadNpy(join(DIR, `img_333x500_imagenet_${s}.npy`)));
    expect(on.equal(off)).toBe(false);
  });
});

describe('decodeImage', () => {
  const names = [...new Set(manifest.cases.filter((c) => c.image.startsWith('img_')).map((c) => c.image))];
  it.each(names)('%s.png: sharp decodes the pixels PIL decodes', async (name) => {
    const decoded = await transforms.decodeImage(readFileSync(join(DIR, `${name}.png`)));
    expect(decoded.dtype).toBe('uint8');
    expect(decoded.equal(image(name))).toBe(true);
    // ... so decode + imagenet() is torchvision's preprocessing of that file.
    const c = manifest.cases.find((k) => k.image === name && k.id.endsWith('_imagenet_aa1'))!;
    const reference = torch.loadNpy(join(DIR, c.output));
    expect(transforms.imagenet()(decoded).equal(reference)).toBe(true);
    expect((await transforms.imagenetAsync(decoded)).equal(reference)).toBe(true);
  });

  it('rejects bytes that are not an image with ImageDecodeError', async () => {
    await expect(transforms.decodeImage(Buffer.from('not an image'))).rejects.toThrow(/^decodeImage: not a supported image/);
    await expect(transforms.decodeImage('x' as never)).rejects.toThrow(TypeError);
  });

  it('decodes grayscale to 3 channels (as PIL convert("RGB")) or to 1', async () => {
    const sharp = (await import('sharp')).default;
    const gray = await sharp(Buffer.from([0, 50, 100, 150, 200, 250]), { raw: { width: 3, height: 2, channels: 1 } }).png().toBuffer();
    const rgb = await transforms.decodeImage(gray);
    expect(rgb.shape).toEqual([3, 2, 3]);
    expect([...rgb.toArray()].slice(0, 6)).toEqual([0, 50, 100, 150, 200, 250]);
    const one = await transforms.decodeImage(gray, { channels: 1 });
    expect(one.shape).toEqual([1, 2, 3]);
  });
});

describe('transforms errors name the op', () => {
  const img = torch.zeros([3, 10, 12], { dtype: 'uint8' });
  it.each([
    ['resize size', () => transforms.resize(img, [1, 2, 3]), RangeError, 'resize: size must be a number or a 1 or 2 element array, not a 3 element array'],
    ['resize nearest+aa', () => transforms.resize(img, 5, { interpolation: 'nearest' }), RangeError, 'resize: antialias is supported for bilinear and bicubic interpolation only'],
    ['resize maxSize', () => transforms.resize(img, 5, { maxSize: 5 }), RangeError, 'resize: maxSize = 5 must be strictly greater'],
    ['resize not a tensor', () => transforms.resize([1] as never, 5), TypeError, 'resize: expected Tensor for img but received Array'],
    ['resize option typo', () => transforms.resize(img, 5, { max_size: 3 } as never), TypeError, "resize: unknown option 'max_size' (did you mean 'maxSize'?)"],
    ['centerCrop size', () => transforms.centerCrop(img, [1, 2, 3]), RangeError, 'centerCrop: size must be a number or a 1 or 2 element array'],
    ['pad length', () => transforms.pad(img, [1, 2, 3]), RangeError, 'pad: padding must be a number or a 1, 2, or 4 element array'],
    ['pad mode', () => transforms.pad(img, 1, { paddingMode: 'wrap' as never }), RangeError, "pad: paddingMode must be 'constant', 'edge' or 'reflect'"],
    ['normalize int', () => transforms.normalize(img, [0.5], [0.5]), TypeError, 'normalize: expected a floating point tensor but got uint8'],
    ['normalize channels', () => transforms.normalize(torch.zeros([3, 2, 2]), [0.5, 0.5], [1, 1]), RangeError, 'normalize: mean needs 1 or 3 entries but has 2'],
    ['normalize zero std', () => transforms.normalize(torch.zeros([3, 2, 2]), [0.5], [0]), RangeError, 'normalize: std evaluated to zero'],
    ['convertImageDtype unsafe', () => transforms.convertImageDtype(torch.zeros([3, 2, 2]), 'int32'), RangeError, 'convertImageDtype: the cast from float32 to int32 cannot be performed safely'],
    ['interpolate mode', () => torch.nn.functional.interpolate(torch.zeros([1, 1, 2, 2]), { size: 3, mode: 'area' as never }), RangeError, "interpolate: mode must be 'nearest'"],
    ['interpolate both', () => torch.nn.functional.interpolate(torch.zeros([1, 1, 2, 2]), { size: 3, scaleFactor: 2 }), RangeError, 'interpolate: give exactly one of size and scaleFactor'],
    ['interpolate 3-D', () => torch.nn.functional.interpolate(torch.zeros([1, 2, 2]), { size: 3 }), RangeError, 'interpolate: expected a 4-D (N, C, H, W) input'],
    ['interpolate alignCorners', () => torch.nn.functional.interpolate(torch.zeros([1, 1, 2, 2]), { size: 3, alignCorners: true }), RangeError, 'interpolate: the alignCorners option can only be set'],
  ] as const)('%s', (_name, fn, type, message) => {
    expect(fn).toThrow(type);
    expect(fn).toThrow(message);
  });
});

describe('Compose', () => {
  it('chains classes and plain functions, and frees what it made in between', () => {
    const img = torch.zeros([3, 20, 30], { dtype: 'uint8' });
    const pipeline = new transforms.Compose([new transforms.Resize(10), (x: Tensor) => transforms.hflip(x), new transforms.CenterCrop(8), new transforms.ToTensor()]);
    const out = pipeline.forward(img);
    expect(out.shape).toEqual([3, 8, 8]);
    expect(out.dtype).toBe('float32');
    expect(img.isDisposed).toBe(false);
    expect(() => new transforms.Compose([3 as never])).toThrow('Compose: transform 0 is not a transform (number)');
  });
});
