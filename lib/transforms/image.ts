// Image decoding (JPEG, PNG, WebP, ...) with sharp into uint8 (C, H, W) tensors.

import { tensor, type Tensor } from '../tensor.js';

export interface DecodeOptions {
  /** 3 (RGB, the default: gray is replicated, alpha dropped, as PIL's convert('RGB')) or 1 (grayscale). */
  channels?: 1 | 3;
  /** Refuse images with more pixels than this (decompression bombs). Default 100 million (sharp's limit is 268M). */
  maxPixels?: number;
}

/** A body that is not a decodable image. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

type Sharp = typeof import('sharp').default;
let sharpModule: Promise<Sharp> | null = null;

/** Loads the decoder now (a server calls it at start-up, so no request pays for loading libvips). */
export function loadDecoder(): Promise<void> {
  // sharp is an optional peer dependency: only image decoding needs it.
  sharpModule ??= import('sharp').then(
    (m) => (m.default ?? m) as unknown as Sharp,
    (error: unknown) => {
      sharpModule = null;
      throw new Error(`decodeImage: decoding images needs the optional dependency sharp (npm install sharp): ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  return sharpModule.then(() => undefined);
}

/**
 * Decodes an encoded image to a uint8 tensor of shape [C, H, W] (RGB by
 * default), off the JS thread (sharp runs on libuv's pool). EXIF orientation
 * is not applied, as PIL's Image.open does not.
 * @example const img = await decodeImage(await fs.readFile('cat.jpg')) // uint8 [3, H, W]
 */
export async function decodeImage(data: Uint8Array, options: DecodeOptions = {}): Promise<Tensor> {
  if (!(data instanceof Uint8Array)) throw new TypeError(`decodeImage: expected Buffer or Uint8Array for data but received ${typeof data}`);
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new RangeError(`decodeImage: channels must be 1 or 3 but received ${String(channels)}`);
  await loadDecoder();
  const sharp = (await sharpModule)!;
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    let pipeline = sharp(data, { limitInputPixels: options.maxPixels ?? 100_000_000, failOn: 'error' }).removeAlpha();
    pipeline = channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
    raw = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new ImageDecodeError(`decodeImage: not a supported image (${(error as Error).message})`);
  }
  const { width, height } = raw.info;
  if (raw.info.channels !== channels) throw new ImageDecodeError(`decodeImage: expected ${channels} channels after decoding but got ${raw.info.channels}`);
  const hwc = tensor(new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength), [height, width, channels], { dtype: 'uint8' });
  const chw = hwc.permute(2, 0, 1).contiguous();
  hwc.dispose();
  return chw;
}
