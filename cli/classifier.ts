// What predict and serve share: a classifier from --arch and --weights, and its class names.

import * as torch from '../lib/index.js';
import { IMAGENET_CLASSES } from '../resnet/index.js';
import { makeModel, shapeOfWeights, UsageError } from './models.js';

export function positiveInteger(flag: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number >= ${min} but received '${value}'`);
  return n;
}

/**
 * Builds --arch and loads --weights into it (any torchvision .pth or
 * .safetensors state dict, strict), in eval mode; ImageNet class names when it
 * has 1000 classes.
 */
export function loadClassifier(arch: string, weights: string): { model: torch.nn.Module; classes: readonly string[] } {
  const sd = torch.load(weights);
  try {
    const { numClasses, inChannels } = shapeOfWeights(sd, weights);
    if (inChannels !== 3) throw new UsageError(`${weights}: the model takes ${inChannels}-channel input; image classification needs 3 (RGB)`);
    const model = makeModel(arch, { numClasses, inChannels });
    model.loadStateDict(sd);
    model.eval();
    const classes = numClasses === IMAGENET_CLASSES.length ? IMAGENET_CLASSES : Array.from({ length: numClasses }, (_, i) => `class ${i}`);
    return { model, classes };
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
}
