// `libtorch-resnet train`: train a ResNet on Fashion-MNIST with a progress
// bar, per-epoch test accuracy, a checkpoint every epoch (and on Ctrl-C), and
// exact resume.

import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

import * as torch from '../lib/index.js';
import { evaluateModel } from './evaluate.js';
import { makeModel, UsageError } from './models.js';
import { transformFor } from './pipeline.js';
import { formatDuration, Progress } from './progress.js';

const { DataLoader, loadFashionMNIST } = torch.data;

export interface TrainConfig {
  arch: string;
  dataset: 'fashion-mnist';
  data?: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adam' | 'adamw';
  momentum: number;
  weightDecay: number;
  schedule: 'onecycle' | 'cosine' | 'step' | 'none';
  labelSmoothing: number;
  augment: boolean;
  /** Bilinear resize of the 28x28 images to resize x resize (e.g. 32 for CIFAR-style sizes). */
  resize?: number;
  /** Repeat the grayscale channel to 3 (a 3-channel stem, e.g. for torchvision weights). */
  rgb?: boolean;
  seed: number;
  threads: number;
  /** Use only the first N training / test images (quick runs, tests). */
  limitTrain?: number;
  limitTest?: number;
  out: string;
  checkpoint: string;
}

/** The documented default recipe (see README: >= 93 % test accuracy on Fashion-MNIST). */
export const DEFAULT_RECIPE: Omit<TrainConfig, 'out' | 'checkpoint' | 'threads'> = {
  arch: 'resnet20',
  dataset: 'fashion-mnist',
  epochs: 5,
  batchSize: 128,
  lr: 0.2,
  optimizer: 'sgd',
  momentum: 0.9,
  weightDecay: 5e-4,
  schedule: 'onecycle',
  labelSmoothing: 0,
  augment: false,
  seed: 0,
};

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainResult {
  model: torch.nn.Module;
  history: EpochRecord[];
  /** True when a stop was requested (Ctrl-C) before the last epoch finished. */
  stopped: boolean;
}

interface Checkpoint {
  format: 'libtorch-resnet-checkpoint';
  version: 1;
  config: Record<string, unknown>;
  /** Epochs fully done. */
  epoch: number;
  /** Batches done in epoch `epoch + 1` (0 when it has not started). */
  step: number;
  /** The data loader's generator at the start of epoch `epoch + 1`. */
  loaderState: number[];
  /** Data-parallel runs: every rank's loader state (rank order); loaderState is rank 0's. */
  loaderStates?: number[][];
  model: Record<string, torch.Tensor>;
  optimizer: torch.optim.OptimizerStateDict;
  scheduler: Record<string, unknown> | null;
  history: EpochRecord[];
}

function makeOptimizer(config: TrainConfig, params: torch.Tensor[]): torch.optim.Optimizer {
  switch (config.optimizer) {
    case 'sgd':
      return new torch.optim.SGD(params, { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay, nesterov: config.momentum > 0 });
    case 'adam':
      return new torch.optim.Adam(params, { lr: config.lr, weightDecay: config.weightDecay });
    case 'adamw':
      return new torch.optim.AdamW(params, { lr: config.lr, weightDecay: config.weightDecay });
    default:
      throw new UsageError(`unknown --optimizer '${String(config.optimizer)}' (sgd, adam or adamw)`);
  }
}

/** Schedules step after every batch; their lengths are in batches. */
function makeScheduler(config: TrainConfig, optimizer: torch.optim.Optimizer, stepsPerEpoch: number): torch.optim.lrScheduler.LRScheduler | null {
  const total = config.epochs * stepsPerEpoch;
  const { lrScheduler } = torch.optim;
  switch (config.schedule) {
    case 'onecycle':
      return new lrScheduler.OneCycleLR(optimizer, { maxLr: config.lr, totalSteps: total, pctStart: 0.25 });
    case 'cosine':
      return new lrScheduler.CosineAnnealingLR(optimizer, { tMax: total });
    case 'step':
      return new lrScheduler.StepLR(optimizer, { stepSize: Math.max(1, Math.round(total / 3)), gamma: 0.1 });
    case 'none':
      return null;
    default:
      throw new UsageError(`unknown --schedule '${String(config.schedule)}' (onecycle, cosine, step or none)`);
  }
}

export interface TrainHooks {
  /** Polled after every batch; true stops after writing a checkpoint. */
  shouldStop?: () => boolean;
  log?: (line: string) => void;
  progress?: boolean;
  /** Data-parallel over the default process group (cli/train-ddp.ts): DDP, a DistributedSampler, rank 0 logs and writes files. */
  distributed?: boolean;
}

/**
 * Trains per `config`, resuming from `resumeFrom` when given. Writes a
 * checkpoint after every epoch and on a requested stop, and the final weights to config.out.
 */
export async function train(config: TrainConfig, resumeFrom: string | null, hooks: TrainHooks = {}): Promise<TrainResult> {
  const world = hooks.distributed ? torch.distributed.getWorldSize() : 1;
  const rank = hooks.distributed ? torch.distributed.getRank() : 0;
  const log = rank !== 0 ? () => {} : (hooks.log ?? ((line: string) => process.stdout.write(line + '\n')));
  const showProgress = hooks.progress !== false && rank === 0;
  torch.setNumThreads(config.threads);

  let resume: Checkpoint | null = null;
  if (resumeFrom) {
    resume = torch.loadCheckpoint(resumeFrom) as unknown as Checkpoint;
    if (resume?.format !== 'libtorch-resnet-checkpoint') throw new UsageError(`${resumeFrom} is not a libtorch-resnet training checkpoint`);
    // The run continues with the hyper-parameters it started with.
    const saved = resume.config as unknown as TrainConfig;
    for (const key of ['arch', 'batchSize', 'lr', 'optimizer', 'momentum', 'weightDecay', 'schedule', 'labelSmoothing', 'augment', 'resize', 'rgb', 'seed', 'limitTrain'] as const) {
      (config as unknown as Record<string, unknown>)[key] = saved[key];
    }
    if (config.epochs !== saved.epochs && config.schedule !== 'none') {
      throw new UsageError(`the checkpoint was made for --epochs ${saved.epochs} with the ${saved.schedule} schedule; resume with the same --epochs`);
    }
  }

  const trainSet = loadFashionMNIST({ split: 'train', dir: config.data });
  const testSet = loadFashionMNIST({ split: 'test', dir: config.data });
  const trainData = config.limitTrain ? trainSet.head(config.limitTrain) : trainSet;
  const testData = config.limitTest ? testSet.head(config.limitTest) : testSet;

  torch.manualSeed(config.seed);
  const model = makeModel(config.arch, { numClasses: 10, inChannels: config.rgb ? 3 : 1 });
  // Data-parallel: --batch-size is the global batch, split evenly; each rank
  // reads its DistributedSampler shard (seed + epoch: the same order on resume).
  if (config.batchSize % world !== 0) throw new UsageError(`--batch-size ${config.batchSize} must be a multiple of the ${world} processes`);
  const sampler = hooks.distributed ? new torch.data.DistributedSampler(trainData, { shuffle: true, seed: config.seed }) : undefined;
  const loader = sampler
    ? new DataLoader(trainData, { batchSize: config.batchSize / world, sampler, seed: config.seed + rank, dropLast: true, transform: transformFor(config, true) })
    : new DataLoader(trainData, { batchSize: config.batchSize, shuffle: true, seed: config.seed, dropLast: true, transform: transformFor(config, true) });
  // With dropLast, a batch larger than the set means no step at all: the
  // "trained" model would be the initial weights and the loss 0/0 = NaN.
  if (loader.length === 0) {
    throw new UsageError(`--batch-size ${config.batchSize} is larger than the ${trainData.length} training images, so no step would run`);
  }
  const optimizer = makeOptimizer(config, model.parameters());
  const scheduler = makeScheduler(config, optimizer, loader.length);

  let startEpoch = 0;
  let startStep = 0;
  const history: EpochRecord[] = [];
  if (resume) {
    model.loadStateDict(resume.model);
    optimizer.loadStateDict(resume.optimizer);
    // After the scheduler was made (it wrote its lr into the groups): the saved groups win.
    if (scheduler && resume.scheduler) scheduler.loadStateDict(resume.scheduler);
    loader.randomState = resume.loaderStates?.[rank] ?? resume.loaderState;
    startEpoch = resume.epoch;
    startStep = resume.step;
    history.push(...resume.history);
    log(`resuming ${config.arch} from ${resumeFrom}: epoch ${startEpoch + 1}${startStep ? `, batch ${startStep + 1}` : ''}`);
  }
  // After resume: rank 0's weights and buffers are broadcast to the others.
  const ddp = hooks.distributed ? new torch.nn.parallel.DistributedDataParallel(model) : null;
  const net: torch.nn.Module = ddp ?? model;

  const params = model.parameters().reduce((n, p) => n + p.numel, 0);
  log(
    `training ${config.arch} (${(params / 1e6).toFixed(2)} M parameters) on Fashion-MNIST: ${trainData.length} images, ` +
      `${config.epochs} epoch${config.epochs === 1 ? '' : 's'} of ${loader.length} batches of ${config.batchSize}, ${config.optimizer} lr ${config.lr} ` +
      `(${config.schedule}), ${config.threads} thread(s)${world > 1 ? ` x ${world} processes` : ''}`,
  );

  const writeCheckpoint = (epoch: number, step: number, loaderState: number[]) => {
    // Every rank's augmentation stream, so a resume replays each rank's own (a collective: all ranks get here).
    let loaderStates: number[][] | undefined;
    if (ddp) {
      const mine = torch.tensor(loaderState, [loaderState.length], { dtype: 'float64' });
      const all = torch.distributed.allGatherSync(mine);
      loaderStates = all.map((t) => Array.from(t.toArray() as Float64Array));
      for (const t of [mine, ...all]) t.dispose();
    }
    if (rank !== 0) return;
    const checkpoint: Checkpoint = {
      format: 'libtorch-resnet-checkpoint',
      version: 1,
      config: { ...config } as unknown as Record<string, unknown>,
      epoch,
      step,
      loaderState,
      ...(loaderStates ? { loaderStates } : {}),
      model: model.stateDict(),
      optimizer: optimizer.stateDict(),
      scheduler: scheduler?.stateDict() ?? null,
      history,
    };
    torch.saveCheckpoint(config.checkpoint, checkpoint);
  };

  let stopped = false;
  for (let epoch = startEpoch; epoch < config.epochs && !stopped; epoch++) {
    const epochStartState = loader.randomState;
    const skip = epoch === startEpoch ? startStep : 0;
    sampler?.setEpoch(epoch);
    model.train();
    const started = Date.now();
    const progress: Pick<Progress, 'update' | 'finish'> = rank === 0 ? new Progress(`epoch ${epoch + 1}/${config.epochs}`, loader.length) : { update() {}, finish() {} };
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let step = skip;
    for await (const { input, target } of loader.epoch({ skip })) {
      const [loss, hits] = torch.tidy(() => {
        const logits = net.forward(input) as torch.Tensor;
        const l = torch.nn.functional.crossEntropy(logits, target, { labelSmoothing: config.labelSmoothing });
        l.backward();
        return [l.item(), countCorrect(logits, target)] as const;
      });
      optimizer.step();
      scheduler?.step();
      optimizer.zeroGrad();
      const batch = input.shape[0];
      input.dispose();
      target.dispose();
      lossSum += loss * batch;
      correct += hits;
      seen += batch;
      step++;
      if (!Number.isFinite(loss)) {
        throw new Error(`train: the loss became ${loss} at epoch ${epoch + 1}, step ${step} (batch ${step} of ${loader.length}); no model was saved; lower --lr`);
      }
      if (showProgress) {
        const rate = seen / ((Date.now() - started) / 1000);
        progress.update(step, { loss: (lossSum / seen).toFixed(4), acc: `${((100 * correct) / seen).toFixed(1)}%`, 'img/s': rate.toFixed(0) });
      }
      let stop = hooks.shouldStop?.() ?? false;
      if (ddp) {
        // Every rank stops at the same batch: a Ctrl-C seen by any of them counts.
        const flag = torch.tensor([stop ? 1 : 0], [1]);
        torch.distributed.allReduceSync(flag, 'max');
        stop = flag.item() > 0;
        flag.dispose();
      }
      if (stop) {
        stopped = true;
        break;
      }
    }
    if (stopped && step < loader.length) {
      writeCheckpoint(epoch, step, epochStartState);
      progress.finish(`stopped at batch ${step}/${loader.length}`);
      log(`stopped: checkpoint written to ${config.checkpoint} (resume with --resume ${config.checkpoint})`);
      break;
    }
    const seconds = (Date.now() - started) / 1000;
    // Rank 0 evaluates; the others go on and wait for it in the next step's allreduce.
    const test = rank === 0 ? await evaluateModel(model, testData, 1000, transformFor(config, false)) : { accuracy: Number.NaN };
    const record: EpochRecord = {
      epoch: epoch + 1,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      testAccuracy: test.accuracy,
      seconds,
      imagesPerSecond: seen / seconds,
    };
    history.push(record);
    progress.finish(
      `loss ${record.trainLoss.toFixed(4)}  train acc ${(100 * record.trainAccuracy).toFixed(2)}%  ` +
        `test acc ${(100 * record.testAccuracy).toFixed(2)}%  ${record.imagesPerSecond.toFixed(0)} img/s  ${formatDuration(seconds)}`,
    );
    writeCheckpoint(epoch + 1, 0, loader.randomState);
    if (stopped) log(`stopped: checkpoint written to ${config.checkpoint} (resume with --resume ${config.checkpoint})`);
  }

  if (!stopped && rank === 0) {
    torch.save(config.out, model.stateDict(), { metadata: { arch: config.arch, dataset: config.dataset, resize: String(config.resize ?? 28) } });
    log(`saved ${config.out}`);
  }
  if (ddp) torch.distributed.barrierSync();  // nobody leaves (destroying the group) before rank 0 has saved
  trainSet.dispose();
  testSet.dispose();
  return { model, history, stopped };
}

export function countCorrect(logits: torch.Tensor, target: torch.Tensor): number {
  const predicted = logits.argmax(1).toArray() as BigInt64Array;
  const expected = target.toArray() as BigInt64Array;
  let n = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === expected[i]) n++;
  return n;
}

const USAGE = `usage: libtorch-resnet train [options]

  --arch NAME            resnet18..152, resnext*, wide_resnet*, resnet20/32/44/56/110 (default ${DEFAULT_RECIPE.arch})
  --dataset NAME         fashion-mnist (default)
  --data DIR             folder with the Fashion-MNIST idx files (default /usr/share/datasets/fashion-mnist)
  --epochs N             (default ${DEFAULT_RECIPE.epochs})
  --batch-size N         (default ${DEFAULT_RECIPE.batchSize})
  --lr X                 learning rate, the peak of the onecycle schedule (default ${DEFAULT_RECIPE.lr})
  --optimizer NAME       sgd (Nesterov momentum) | adam | adamw (default ${DEFAULT_RECIPE.optimizer})
  --momentum X           (default ${DEFAULT_RECIPE.momentum})
  --weight-decay X       (default ${DEFAULT_RECIPE.weightDecay})
  --schedule NAME        onecycle | cosine | step | none (default ${DEFAULT_RECIPE.schedule})
  --label-smoothing X    (default ${DEFAULT_RECIPE.labelSmoothing})
  --augment              random crop (padding 2) and horizontal flip
  --resize N             resize the 28x28 images to N x N (e.g. 32)
  --rgb                  repeat the grayscale channel to 3 (3-channel stem)
  --seed N               weights, shuffling and augmentation (default ${DEFAULT_RECIPE.seed})
  --threads N            intra-op threads (default: all cores)
  --limit-train N        use the first N training images only
  --limit-test N         use the first N test images only
  --out FILE             final weights (default model.safetensors)
  --checkpoint FILE      written every epoch and on Ctrl-C (default <out>.ckpt.pth)
  --resume FILE          continue from a checkpoint

data-parallel (DistributedDataParallel over Gloo; --batch-size is the global batch):
  --nproc N              start N worker processes on this machine (torchrun --nproc-per-node)
  --nnodes N             machines in the job (default 1)
  --node-rank I          this machine's index (default 0)
  --master-addr HOST     rank 0's machine (default 127.0.0.1)
  --master-port PORT     rank 0's rendezvous port (default 29500)
  Started with torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) instead, the command is one rank.
`;

export function parseTrainArgs(argv: string[]): { config: TrainConfig; resume: string | null } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        arch: { type: 'string' }, dataset: { type: 'string' }, data: { type: 'string' }, epochs: { type: 'string' },
        'batch-size': { type: 'string' }, lr: { type: 'string' }, optimizer: { type: 'string' }, momentum: { type: 'string' },
        'weight-decay': { type: 'string' }, schedule: { type: 'string' }, 'label-smoothing': { type: 'string' },
        augment: { type: 'boolean' }, resize: { type: 'string' }, rgb: { type: 'boolean' }, seed: { type: 'string' }, threads: { type: 'string' }, 'limit-train': { type: 'string' },
        'limit-test': { type: 'string' }, out: { type: 'string' }, checkpoint: { type: 'string' }, resume: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, fallback: number, min = 1): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min} but is '${v}'`);
    return n;
  };
  const real = (name: string, v: string | undefined, fallback: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0 but is '${v}'`);
    return n;
  };
  const dataset = values.dataset ?? 'fashion-mnist';
  if (dataset !== 'fashion-mnist') throw new UsageError(`unknown --dataset '${dataset}' (fashion-mnist)`);
  const out = values.out ?? 'model.safetensors';
  const config: TrainConfig = {
    arch: values.arch ?? DEFAULT_RECIPE.arch,
    dataset,
    data: values.data,
    epochs: int('epochs', values.epochs, DEFAULT_RECIPE.epochs),
    batchSize: int('batch-size', values['batch-size'], DEFAULT_RECIPE.batchSize),
    lr: real('lr', values.lr, DEFAULT_RECIPE.lr),
    optimizer: (values.optimizer ?? DEFAULT_RECIPE.optimizer) as TrainConfig['optimizer'],
    momentum: real('momentum', values.momentum, DEFAULT_RECIPE.momentum),
    weightDecay: real('weight-decay', values['weight-decay'], DEFAULT_RECIPE.weightDecay),
    schedule: (values.schedule ?? DEFAULT_RECIPE.schedule) as TrainConfig['schedule'],
    labelSmoothing: real('label-smoothing', values['label-smoothing'], DEFAULT_RECIPE.labelSmoothing),
    augment: values.augment ?? DEFAULT_RECIPE.augment,
    resize: values.resize === undefined ? undefined : int('resize', values.resize, 28, 8),
    rgb: values.rgb ?? false,
    seed: int('seed', values.seed, DEFAULT_RECIPE.seed, 0),
    threads: int('threads', values.threads, availableParallelism()),
    limitTrain: values['limit-train'] === undefined ? undefined : int('limit-train', values['limit-train'], 0),
    limitTest: values['limit-test'] === undefined ? undefined : int('limit-test', values['limit-test'], 0),
    out,
    checkpoint: values.checkpoint ?? join(dirname(out), basename(out).replace(/\.[^.]*$/, '') + '.ckpt.pth'),
  };
  if (!['sgd', 'adam', 'adamw'].includes(config.optimizer)) throw new UsageError(`unknown --optimizer '${config.optimizer}' (sgd, adam or adamw)`);
  if (!['onecycle', 'cosine', 'step', 'none'].includes(config.schedule)) throw new UsageError(`unknown --schedule '${config.schedule}' (onecycle, cosine, step or none)`);
  if (config.labelSmoothing > 1) throw new UsageError('--label-smoothing must be in [0, 1]');
  return { config, resume: values.resume ?? null };
}

/** The `train` subcommand: Ctrl-C once stops after a checkpoint; twice exits at once. */
export async function trainCommand(argv: string[]): Promise<number> {
  const ddp = await import('./train-ddp.js');
  const split = ddp.splitDdpArgs(argv);
  if (split.launch) return ddp.launch(split, process.argv[1]);
  argv = split.rest;
  const { config, resume } = parseTrainArgs(argv);
  const distributed = ddp.isWorker();
  if (distributed) await ddp.joinGroup(config, argv);
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    process.stderr.write('\nstopping after this batch (Ctrl-C again to quit at once)...\n');
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await train(config, resume, { shouldStop: () => stopRequested, distributed });
    if (result.stopped) return 130;
    const last = result.history[result.history.length - 1];
    if (last && (!distributed || torch.distributed.getRank() === 0)) console.log(`final test accuracy ${(100 * last.testAccuracy).toFixed(2)}%`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    if (distributed && torch.distributed.isInitialized()) torch.distributed.destroyProcessGroup();
  }
}
