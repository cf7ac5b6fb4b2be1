// ImageNet-style inference: preprocess an image tensor, run resnet18, print the top-5 classes.
// The TypeScript port of inference_top5.py, op for op (test/examples.test.ts checks the outputs
// are equal bit for bit). Run: npx tsc && node dist/examples/inference_top5.js [OUTDIR]

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';

export function main(out = 'examples-out/inference_top5-ts'): void {
  torch.setNumThreads(1);
  mkdirSync(out, { recursive: true });
  torch.tidy(() => {
    torch.manualSeed(0);
    const model = resnet18().eval();
    const image = torch.randint(0, 256, [3, 251, 299], { dtype: 'uint8' }); // C, H, W as read from a file

    // transforms.CenterCrop(224) + ToTensor-style scaling + Normalize, on tensors
    const crop = 224;
    // Python's round() is half to even (13.5 -> 14, 37.5 -> 38); Math.round is not, the tensor op is.
    const offset = (size: number): number => torch.tensor([(size - crop) / 2]).round().item();
    const top = offset(image.size(1));
    const left = offset(image.size(2));
    let x = image.index(':', [top, top + crop], [left, left + crop]).float().div(255);
    const mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1);
    const std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1);
    x = x.sub(mean).div(std).unsqueeze(0);

    const probs = torch.noGrad(() => model.forward(x).softmax(1));
    const { values, indices } = probs.topk(5);
    const ps = values.index(0).toList() as number[];
    const cs = indices.index(0).toList() as number[];
    cs.forEach((c, i) => console.log(`class ${String(c).padStart(4)}  p=${ps[i].toFixed(6)}`));

    torch.saveNpy(join(out, 'input.npy'), x);
    torch.saveNpy(join(out, 'top5_values.npy'), values);
    torch.saveNpy(join(out, 'top5_indices.npy'), indices);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv[2]);
