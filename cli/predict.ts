// `libtorch-resnet predict`: top-k classes of images with saved weights.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import * as torch from '../lib/index.js';
import { topk } from '../lib/serve/index.js';
import { decodeImage, imagenetAsync } from '../lib/transforms/index.js';
import { loadClassifier, positiveInteger } from './classifier.js';
import type { Output } from './inspect.js';
import { UsageError } from './models.js';

export const PREDICT_USAGE = `usage: libtorch-resnet predict --arch NAME --weights FILE [--topk 5] [--json] [--threads N] IMAGE...

  Decodes each IMAGE (JPEG, PNG, WebP, ...), applies torchvision's ImageNet
  preprocessing (resize 256, center crop 224, normalize) and prints the top-k
  classes with their probabilities. --weights: any torchvision .pth or
  .safetensors state dict of that architecture.
  --resize-size N / --crop-size N   other preprocessing sizes (defaults 256 / 224)`;

export async function predictCommand(argv: string[], io: Output): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        arch: { type: 'string' },
        weights: { type: 'string' },
        topk: { type: 'string' },
        json: { type: 'boolean' },
        threads: { type: 'string' },
        'resize-size': { type: 'string' },
        'crop-size': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${PREDICT_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (!values.arch || !values.weights) throw new UsageError(`--arch and --weights are required\n${PREDICT_USAGE}`);
  if (positionals.length === 0) throw new UsageError(`no IMAGE given\n${PREDICT_USAGE}`);
  const k = positiveInteger('--topk', values.topk, 5);
  if (values.threads !== undefined) torch.setNumThreads(positiveInteger('--threads', values.threads, 1));
  const preprocess = { resizeSize: positiveInteger('--resize-size', values['resize-size'], 256), cropSize: positiveInteger('--crop-size', values['crop-size'], 224) };
  const { model, classes } = loadClassifier(values.arch, values.weights);
  if (k > classes.length) throw new UsageError(`--topk must be at most ${classes.length} (the number of classes)`);

  const inputs: torch.Tensor[] = [];
  for (const file of positionals) {
    const image = await decodeImage(await readFile(file)).catch((error: Error) => {
      throw new Error(`${file}: ${error.message}`);
    });
    inputs.push(await imagenetAsync(image, preprocess));
    image.dispose();
  }
  const batch = torch.tidy(() => torch.cat(inputs.map((x) => x.unsqueeze(0)), 0));
  const probs = await torch.noGrad(() => model.forwardAsync(batch));
  const softmax = torch.tidy(() => probs.softmax(1));
  const data = softmax.toArray() as Float32Array;
  const results = positionals.map((file, i) => ({
    image: file,
    predictions: topk(data.subarray(i * classes.length, (i + 1) * classes.length), k).map((p) => ({ ...p, label: classes[p.index] })),
  }));
  if (values.json) {
    io.out(JSON.stringify(results, null, 2));
  } else {
    for (const r of results) {
      io.out(r.image);
      for (const p of r.predictions) io.out(`  ${(p.probability * 100).toFixed(2).padStart(6)}%  ${p.label} (${p.index})`);
    }
  }
  return 0;
}
