// `npm run demo`: what the library is for, in a few minutes on a laptop CPU.
//   1. parity: a seeded resnet18 built here gives PyTorch's output bit for bit;
//   2. training: a CIFAR-style ResNet-20 learns Fashion-MNIST;
//   3. evaluation, save, reload and a few predictions with class names.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { evaluateModel, formatConfusion } from '../cli/evaluate.js';
import { makeModel } from '../cli/models.js';
import { transformFor } from '../cli/pipeline.js';
import { DEFAULT_RECIPE, train } from '../cli/train.js';
import * as torch from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';
import { PYTHON } from './fixtures.js';

const OUT = resolve('demo-output');
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function parityShowcase(): void {
  console.log(bold('\n1. Parity with PyTorch'));
  const threads = 1;
  torch.setNumThreads(threads);
  const dir = mkdtempSync(join(tmpdir(), 'ltr-demo-'));
  try {
    // Same seed, same calls, same order: the weights and the input are PyTorch's.
    torch.manualSeed(0);
    const model = resnet18().eval();
    const x = torch.randn([1, 3, 224, 224]);
    const started = Date.now();
    const ours = torch.noGrad(() => model.forward(x));
    const ms = Date.now() - started;
    const script = [
      'import sys, numpy, torch, torchvision',
      `torch.set_num_threads(${threads})`,
      'torch.manual_seed(0)',
      'm = torchvision.models.resnet18().eval()',
      'x = torch.randn(1, 3, 224, 224)',
      'with torch.no_grad(): numpy.save(sys.argv[1], m(x).numpy())',
    ].join('\n');
    execFileSync(PYTHON, ['-c', script, join(dir, 'ref.npy')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const reference = torch.loadNpy(join(dir, 'ref.npy'));
    const same = ours.equal(reference);
    const maxDiff = ours.sub(reference).abs().max().item();
    console.log(`torch.manualSeed(0); resnet18().eval() on torch.randn([1, 3, 224, 224]) -> logits [${ours.shape.join(', ')}] in ${ms} ms`);
    console.log(`first logits here:    ${Array.from(ours.toArray() as Float32Array).slice(0, 4).map((v) => v.toFixed(6)).join(', ')}`);
    console.log(`first logits PyTorch: ${Array.from(reference.toArray() as Float32Array).slice(0, 4).map((v) => v.toFixed(6)).join(', ')}`);
    console.log(same ? 'bit-identical to torchvision (torch.equal: true, max abs diff 0)' : `NOT identical: max abs diff ${maxDiff}`);
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function trainingShowcase(): Promise<void> {
  console.log(bold('\n2. Training ResNet-20 on Fashion-MNIST'));
  mkdirSync(OUT, { recursive: true });
  const weights = join(OUT, 'resnet20-fashion-mnist.safetensors');
  const started = Date.now();
  const result = await train(
    {
      ...DEFAULT_RECIPE,
      epochs: 1,
      threads: availableParallelism(),
      out: weights,
      checkpoint: join(OUT, 'resnet20-fashion-mnist.ckpt.pth'),
    },
    null,
  );
  const minutes = (Date.now() - started) / 60000;
  const accuracy = result.history[result.history.length - 1].testAccuracy;
  console.log(`trained in ${minutes.toFixed(1)} min: test accuracy ${(100 * accuracy).toFixed(2)}%`);

  console.log(bold('\n3. Evaluate, reload, predict'));
  const test = torch.data.loadFashionMNIST({ split: 'test' });
  const evaluation = await evaluateModel(result.model, test);
  console.log(formatConfusion(evaluation.confusion, torch.data.FASHION_MNIST_CLASSES));

  // A fresh model from the saved file must predict exactly as the trained one.
  const reloaded = makeModel('resnet20', { numClasses: 10, inChannels: 1 });
  reloaded.loadStateDict(torch.load(weights));
  reloaded.eval();
  result.model.eval();
  const sample = test.head(8);
  const loader = new torch.data.DataLoader(sample, { batchSize: 8, transform: transformFor(DEFAULT_RECIPE, false) });
  for await (const { input, target } of loader) {
    torch.tidy(() =>
      torch.noGrad(() => {
        const logits = reloaded.forward(input) as torch.Tensor;
        const original = result.model.forward(input) as torch.Tensor;
        console.log(`reloaded ${weights}: predictions identical to the trained model: ${logits.equal(original)}`);
        const probs = logits.softmax(1).toArray() as Float32Array;
        const labels = target.toArray() as BigInt64Array;
        const classes = torch.data.FASHION_MNIST_CLASSES;
        for (let i = 0; i < labels.length; i++) {
          const row = probs.subarray(i * 10, i * 10 + 10);
          const best = row.indexOf(Math.max(...row));
          const truth = classes[Number(labels[i])];
          console.log(`  image ${i}: ${classes[best].padEnd(12)} ${(100 * row[best]).toFixed(1).padStart(5)}%   (true: ${truth})${classes[best] === truth ? '' : '  <- wrong'}`);
        }
      }),
    );
  }
}

const v = torch.versions();
console.log(`libtorch-resnet ${v.addon} on libtorch ${v.libtorch} (${v.cuda ? `CUDA ${v.cuda}` : 'CPU'}), ${availableParallelism()} cores`);
parityShowcase();
await trainingShowcase();
