// `libtorch-resnet evaluate`: accuracy and confusion matrix of saved weights on the test split.

import { parseArgs } from 'node:util';

import * as torch from '../lib/index.js';
import { makeModel, shapeOfWeights, UsageError } from './models.js';
import { transformFor } from './pipeline.js';

const { DataLoader, loadFashionMNIST, FASHION_MNIST_MEAN, FASHION_MNIST_STD, FASHION_MNIST_CLASSES } = torch.data;

export interface Evaluation {
  accuracy: number;
  /** confusion[actual][predicted] counts. */
  confusion: number[][];
  count: number;
}

/** Runs `model` in eval mode without autograd over `dataset`, through `transform` (training's, minus the random parts). */
export async function evaluateModel(
  model: torch.nn.Module,
  dataset: torch.data.TensorDataset,
  batchSize = 1000,
  transform: torch.data.Transform = { normalize: { mean: [FASHION_MNIST_MEAN], std: [FASHION_MNIST_STD] } },
): Promise<Evaluation> {
  const wasTraining = model.training;
  model.eval();
  const classes = 10;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  const loader = new DataLoader(dataset, { batchSize, transform });
  try {
    for await (const { input, target } of loader) {
      const predicted = torch.tidy(() => torch.noGrad(() => (model.forward(input) as torch.Tensor).argmax(1).toArray() as BigInt64Array));
      const actual = target.toArray() as BigInt64Array;
      input.dispose();
      target.dispose();
      for (let i = 0; i < actual.length; i++) {
        const a = Number(actual[i]);
        const p = Number(predicted[i]);
        if (a < classes && p < classes) confusion[a][p]++;
        if (a === p) correct++;
      }
    }
  } finally {
    model.train(wasTraining);
  }
  return { accuracy: correct / dataset.length, confusion, count: dataset.length };
}

export function formatConfusion(confusion: number[][], classes: readonly string[]): string {
  const width = Math.max(5, ...confusion.flat().map((v) => String(v).length + 1));
  const label = Math.max(...classes.map((c) => c.length)) + 2;
  const header = ' '.repeat(label) + confusion.map((_, j) => String(j).padStart(width)).join('') + '   (predicted)';
  const rows = confusion.map((row, i) => `${`${i} ${classes[i]}`.padEnd(label)}${row.map((v) => String(v).padStart(width)).join('')}`);
  return [header, ...rows].join('\n');
}

const USAGE = `usage: libtorch-resnet evaluate --arch NAME --weights FILE [--data DIR] [--resize N] [--batch-size N] [--threads N]

  --resize N   the --resize the weights were trained with (a 3-channel stem gets the grayscale channel repeated)`;

export async function evaluateCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { arch: { type: 'string' }, weights: { type: 'string' }, data: { type: 'string' }, 'batch-size': { type: 'string' }, resize: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.arch || !values.weights) throw new UsageError(`--arch and --weights are required\n${USAGE}`);
  if (values.threads !== undefined) torch.setNumThreads(Number(values.threads));
  const batchSize = values['batch-size'] === undefined ? 1000 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch-size must be a positive integer');
  const weights = torch.load(values.weights);
  const shape = shapeOfWeights(weights, values.weights);
  const model = makeModel(values.arch, shape);
  model.loadStateDict(weights);
  const resize = values.resize === undefined ? undefined : Number(values.resize);
  if (resize !== undefined && (!Number.isInteger(resize) || resize < 8)) throw new UsageError('--resize must be an integer >= 8');
  const test = loadFashionMNIST({ split: 'test', dir: values.data });
  const started = Date.now();
  const result = await evaluateModel(model, test, batchSize, transformFor({ resize, rgb: shape.inChannels === 3 }, false));
  const seconds = (Date.now() - started) / 1000;
  console.log(`${values.arch} ${values.weights}: test accuracy ${(100 * result.accuracy).toFixed(2)}% (${result.count} images, ${(result.count / seconds).toFixed(0)} img/s)\n`);
  console.log(formatConfusion(result.confusion, FASHION_MNIST_CLASSES));
  return 0;
}
