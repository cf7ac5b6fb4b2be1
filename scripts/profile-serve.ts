// Where a served image's time goes (issue #10's batching target): the stages
// of `libtorch-resnet serve`'s path, timed one at a time, at batch 1 and at
// batch 8, as ms per image (medians of ROUNDS rounds, batch sizes interleaved
// so machine load hits both alike). Prints the load average with it.
//
//   node dist/scripts/profile-serve.js [ARCH=resnet50] [THREADS=1] [ROUNDS=3] [exact|fast]
//
// `fast` times the forward of `serve --fast` instead: torch.optimizeForInference
// made once per batch size (BatchNorm folded, oneDNN prepacked).
//
// Measured on the 2-core machine (resnet50, 1 thread, load average ~9-10):
// decode ~20 ms, transform ~17-23 ms, stack < 0.2 ms, forward ~1,180-1,220 ms,
// softmax + copy < 0.2 ms, topk + JSON 0.7-3 ms per image with the old full
// sort (0.02-0.08 ms with the selection now). The forward is ~97% of the
// work, and at batch 8 it is only 1.04-1.14x cheaper per image than at
// batch 1 with one intra-op thread (resnet18: 1.04x), which bounds what
// micro-batching can gain on this CPU.
import { loadavg } from 'node:os';

import sharp from 'sharp';

import * as torch from '../lib/index.js';
import { topk } from '../lib/serve/index.js';
import { decodeImage, imagenetAsync, loadDecoder } from '../lib/transforms/index.js';
import { resnet18, resnet50 } from '../resnet/index.js';

const [arch = 'resnet50', threadsArg = '1', roundsArg = '3', mode = 'exact'] = process.argv.slice(2);
if (mode !== 'exact' && mode !== 'fast') throw new Error(`profile-serve: mode must be exact or fast, not ${mode}`);
torch.setNumThreads(Number(threadsArg));
const model = (arch === 'resnet18' ? resnet18() : resnet50()).eval();
const optimized = new Map<number, torch.InferenceModule>();
if (mode === 'fast') {
  for (const n of [1, 8]) optimized.set(n, torch.tidy(() => torch.optimizeForInference(model, { example: torch.zeros([n, 3, 224, 224]) })));
}
const jpeg = await sharp({ create: { width: 500, height: 375, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
  .jpeg({ quality: 90 })
  .toBuffer();
await loadDecoder();

const times = new Map<string, number[]>();
const add = (stage: string, n: number, ms: number): void => {
  const key = `${stage} (batch ${n})`;
  times.set(key, [...(times.get(key) ?? []), ms / n]);
};
const load = loadavg().map((l) => l.toFixed(1)).join(' ');
// A warm-up round of each size first (allocator, oneDNN and plan caches), then ROUNDS timed rounds.
for (const [round, n] of [0, 0, ...Array.from({ length: 2 * Number(roundsArg) }, (_, i) => i + 1)].map((r, i) => [r, i % 2 === 0 ? 1 : 8])) {
  let t = performance.now();
  const images = await Promise.all(Array.from({ length: n }, () => decodeImage(jpeg)));
  const decode = performance.now() - t;
  t = performance.now();
  const inputs = await Promise.all(images.map((image) => imagenetAsync(image)));
  const transform = performance.now() - t;
  images.forEach((image) => image.dispose());
  t = performance.now();
  const batch = torch.stack(inputs, 0);
  const stack = performance.now() - t;
  t = performance.now();
  const logits = mode === 'fast' ? await optimized.get(n)!.forwardAsync(batch) : await torch.noGrad(() => model.forwardAsync(batch));
  const forward = performance.now() - t;
  t = performance.now();
  const probs = logits.softmax(1);
  const data = probs.toArray() as Float32Array;
  const copy = performance.now() - t;
  t = performance.now();
  const classes = probs.shape[1];
  for (let i = 0; i < n; i++) JSON.stringify({ predictions: topk(data.subarray(i * classes, (i + 1) * classes), 5) });
  const answer = performance.now() - t;
  [batch, logits, probs, ...inputs].forEach((x) => x.dispose());
  if (round === 0) continue;
  add('decode', n, decode);
  add('transform', n, transform);
  add('stack', n, stack);
  add('forward', n, forward);
  add('softmax + copy out', n, copy);
  add('topk + JSON', n, answer);
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`profile-serve: ${arch} (${mode}), ${torch.getNumThreads()} thread(s), ${roundsArg} rounds; load average before: ${load}, after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const [key, values] of times) console.log(`  ${key.padEnd(32)} ${median(values).toFixed(2).padStart(9)} ms/image`);
const f1 = median(times.get('forward (batch 1)')!);
const f8 = median(times.get('forward (batch 8)')!);
console.log(`  forward per image, batch 1 / batch 8: ${(f1 / f8).toFixed(2)}x`);
