// `libtorch-resnet predict` against torchvision end to end: a torchvision
// .pth written by Python, a PNG fixture, and torchvision's own preprocessing
// and forward give the same top-5 indices and probabilities, bit for bit.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { predictCommand } from '../cli/predict.js';
import { FIXTURES, PYTHON } from './setup/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ltr-predict-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const IMAGES = ['img_333x500', 'img_101x37'].map((n) => join(FIXTURES, 'transforms', `${n}.png`));

function capture(): { io: { out: (l: string) => void; err: (l: string) => void }; out: string[] } {
  const out: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => out.push(l) }, out };
}

describe('predict', () => {
  it('equals torchvision (resnet18 .pth from torchvision, PIL decoding, transforms, softmax, topk)', async () => {
    const weights = join(tmp, 'resnet18.pth');
    const script = `
import json, sys, numpy as np, torch, torchvision, torchvision.transforms as T
from PIL import Image
torch.set_num_threads(1)
torch.manual_seed(0)
model = torchvision.models.resnet18().eval()
torch.save(model.state_dict(), sys.argv[1])
pipeline = T.Compose([T.Resize(256, antialias=True), T.CenterCrop(224), T.ConvertImageDtype(torch.float), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
x = torch.stack([pipeline(torch.from_numpy(np.array(Image.open(p).convert("RGB"))).permute(2, 0, 1)) for p in sys.argv[2:]])
with torch.no_grad():
    values, indices = model(x).softmax(1).topk(5, 1)
print(json.dumps([[{"index": int(i), "probability": float(v)} for v, i in zip(vs, ix)] for vs, ix in zip(values, indices)]))
`;
    const reference = JSON.parse(execFileSync(PYTHON, ['-c', script, weights, ...IMAGES], { encoding: 'utf8' }));
    const { io, out } = capture();
    expect(await predictCommand(['--arch', 'resnet18', '--weights', weights, '--json', '--threads', '1', ...IMAGES], io)).toBe(0);
    const results = JSON.parse(out.join('\n')) as { image: string; predictions: { index: number; probability: number; label: string }[] }[];
    expect(results.map((r) => r.image)).toEqual(IMAGES);
    results.forEach((r, i) => expect(r.predictions.map(({ index, probability }) => ({ index, probability }))).toEqual(reference[i]));
    expect(results[0].predictions[0].label).toBe(
      // ImageNet's class names, since the model has 1000 classes
      (await import('../resnet/index.js')).IMAGENET_CLASSES[reference[0][0].index],
    );

    const text = capture();
    expect(await predictCommand(['--arch', 'resnet18', '--weights', weights, '--topk', '2', IMAGES[1]], text.io)).toBe(0);
    expect(text.out).toHaveLength(3);
    expect(text.out[1]).toMatch(/^\s+\d+\.\d\d% .+ \(\d+\)$/);
  });

  it.each([
    [['--weights', 'x.pth', 'a.png'], '--arch and --weights are required'],
    [['--arch', 'resnet18', '--weights', 'x.pth'], 'no IMAGE given'],
    [['--arch', 'resnet18', '--weights', 'x.pth', '--topk', '0', 'a.png'], "--topk must be a whole number >= 1 but received '0'"],
    [['--arch', 'resnet18', '--bogus', 'a.png'], "Unknown option '--bogus'"],
  ])('usage error %j', async (args, message) => {
    const { io } = capture();
    await expect(predictCommand(args, io)).rejects.toThrow(message);
  });

  it('names the file that is not an image', async () => {
    const weights = join(tmp, 'resnet18.pth');
    const { io } = capture();
    await expect(predictCommand(['--arch', 'resnet18', '--weights', weights, join(FIXTURES, 'transforms', 'cases.json')], io)).rejects.toThrow(
      /cases\.json: decodeImage: not a supported image/,
    );
  });
});
