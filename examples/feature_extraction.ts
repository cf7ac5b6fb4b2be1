// Feature extraction: a resnet18 without its classifier embeds images; compare them by cosine
// similarity and rank the nearest neighbours. The TypeScript port of feature_extraction.py.
// Run: npx tsc && node dist/examples/feature_extraction.js [OUTDIR]

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';

const F = torch.nn.functional;

export function main(out = 'examples-out/feature_extraction-ts'): void {
  torch.setNumThreads(1);
  mkdirSync(out, { recursive: true });
  torch.tidy(() => {
    torch.manualSeed(0);
    const model = resnet18();
    // The 512-d pooled features come out. (ResNet types fc as Linear, hence the widening.)
    (model as torch.nn.Module & { fc: torch.nn.Module }).fc = new torch.nn.Identity();
    model.eval();
    const images = torch.rand([5, 3, 64, 64]);
    const features = torch.noGrad(() => model.forward(images));
    const embeddings = F.normalize(features, { dim: 1 });
    const similarity = embeddings.mm(embeddings.t());
    const neighbours = similarity.argsort({ dim: 1, descending: true }).index(':', [1, 3]); // the two nearest, skipping itself
    const pair = F.cosineSimilarity(features.index([0, 1]), features.index([1, 2]));
    console.log('nearest neighbours:', JSON.stringify(neighbours.toList()));
    console.log(`cos(0, 1) = ${pair.item().toFixed(6)}`);

    torch.saveNpy(join(out, 'features.npy'), features);
    torch.saveNpy(join(out, 'similarity.npy'), similarity);
    torch.saveNpy(join(out, 'neighbours.npy'), neighbours);
    torch.saveNpy(join(out, 'pair.npy'), pair);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv[2]);
