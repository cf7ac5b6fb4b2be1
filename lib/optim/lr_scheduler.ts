// Learning-rate schedules with PyTorch 1.13's recursive ("chainable") update
// rules, step for step, so the learning rates equal PyTorch's exactly. The
// cosines and powers go through C's libm, as Python's math module does.

import { native } from '../native.js';
import { checkOptions } from '../tensor.js';
import type { Optimizer, ParamGroup } from './optimizer.js';

const cos = (x: number): number => native.mathCos(x);
const pow = (x: number, y: number): number => native.mathPow(x, y);
/** Python's % (the result takes the divisor's sign). */
const pyMod = (a: number, b: number): number => ((a % b) + b) % b;

export type SchedulerStateDict = Record<string, unknown>;

export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The number of step() calls so far, -1 before the first (PyTorch's last_epoch). */
  lastEpoch: number;
  baseLrs: number[];
  protected stepCount = 0;
  private lastLr: number[] = [];

  protected constructor(name: string, optimizer: Optimizer, lastEpoch: number) {
    if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray((optimizer as Optimizer).paramGroups)) {
      throw new TypeError(`${name}: expected an Optimizer for optimizer`);
    }
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const group of optimizer.paramGroups) if (group.initialLr === undefined) group.initialLr = group.lr;
    } else {
      optimizer.paramGroups.forEach((group, i) => {
        if (group.initialLr === undefined) throw new RangeError(`${name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming`);
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** @internal PyTorch's _initial_step (SequentialLR calls it on its first scheduler). */
  _initialStep(): void {
    this.initialStep();
  }

  /** Subclasses call this at the end of their constructor (PyTorch's _initial_step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  protected abstract getLr(): number[];

  /** PyTorch's _get_closed_form_lr, where the schedule has one (used by step(epoch)). */
  protected closedForm(): number[] | null {
    return null;
  }

  /**
   * Advances one step (call after optimizer.step()) and writes the new lr into
   * every group. With `epoch` (deprecated in PyTorch, used by SequentialLR)
   * jumps to that epoch through the closed form where there is one.
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      if (!Number.isInteger(epoch)) throw new TypeError(`step: expected an integer epoch but received ${String(epoch)}`);
      this.lastEpoch = epoch;
      values = this.closedForm() ?? this.getLr();
    }
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates the last step() set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Everything needed to resume, with PyTorch's key names. */
  stateDict(): SchedulerStateDict {
    return { ...this.extraState(), base_lrs: [...this.baseLrs], last_epoch: this.lastEpoch, _step_count: this.stepCount, _last_lr: [...this.lastLr] };
  }

  loadStateDict(state: SchedulerStateDict): void {
    if (state === null || typeof state !== 'object') throw new TypeError('loadStateDict: expected a scheduler state object');
    this.baseLrs = [...(state.base_lrs as number[])];
    this.lastEpoch = state.last_epoch as number;
    this.stepCount = state._step_count as number;
    this.lastLr = [...(state._last_lr as number[])];
  }

  protected extraState(): Record<string, unknown> {
    return {};
  }

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }
}

/**
 * Multiplies the lr by gamma every stepSize steps.
 * @example new StepLR(opt, { stepSize: 30, gamma: 0.1 })
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    checkOptions('StepLR', options, ['stepSize', 'gamma', 'lastEpoch']);
    super('StepLR', optimizer, options?.lastEpoch ?? -1);
    if (!Number.isInteger(options.stepSize) || options.stepSize < 1) throw new RangeError(`StepLR: stepSize must be a positive integer but received ${String(options.stepSize)}`);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  /** The closed form base_lr * gamma^(epoch // stepSize), for reference. */
  closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * pow(this.gamma, Math.floor(this.lastEpoch / this.stepSize)));
  }

  protected override closedForm(): number[] {
    return this.closedFormLr();
  }

  protected override extraState(): Record<string, unknown> {
    return { step_size: this.stepSize, gamma: this.gamma };
  }
}

/**
 * Cosine annealing from the initial lr to etaMin over tMax steps (SGDR without restarts).
 * @example new CosineAnnealingLR(opt, { tMax: 100, etaMin: 0 })
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    checkOptions('CosineAnnealingLR', options, ['tMax', 'etaMin', 'lastEpoch']);
    super('CosineAnnealingLR', optimizer, options?.lastEpoch ?? -1);
    if (!(typeof options.tMax === 'number' && options.tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be > 0 but received ${String(options.tMax)}`);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { tMax, etaMin, lastEpoch } = this;
    if (lastEpoch === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + cos((lastEpoch * Math.PI) / tMax))) / 2);
    }
    if (pyMod(lastEpoch - 1 - tMax, 2 * tMax) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - cos(Math.PI / tMax))) / 2);
    }
    return this.groups.map(
      (g) => ((1 + cos((Math.PI * lastEpoch) / tMax)) / (1 + cos((Math.PI * (lastEpoch - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }

  protected override closedForm(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }

  protected override extraState(): Record<string, unknown> {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }
}

export interface OneCycleLROptions {
  maxLr: number | number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/**
 * The 1cycle policy (Smith & Topin): lr warms up to maxLr, then anneals far
 * below the start; momentum cycles inversely. Step it after every batch.
 * @example new OneCycleLR(opt, { maxLr: 0.1, epochs: 10, stepsPerEpoch: 469 })
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    checkOptions('OneCycleLR', options, [
      'maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum',
      'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch',
    ]);
    const o = options ?? ({} as OneCycleLROptions);
    const positiveInt = (name: string, v: unknown) => {
      if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`OneCycleLR: expected a positive integer ${name} but received ${String(v)}`);
      return v as number;
    };
    let totalSteps: number;
    if (o.totalSteps === undefined && o.epochs === undefined && o.stepsPerEpoch === undefined) {
      throw new RangeError('OneCycleLR: give either totalSteps or epochs and stepsPerEpoch');
    } else if (o.totalSteps !== undefined) {
      totalSteps = positiveInt('totalSteps', o.totalSteps);
    } else {
      totalSteps = positiveInt('epochs', o.epochs) * positiveInt('stepsPerEpoch', o.stepsPerEpoch);
    }
    const pctStart = o.pctStart ?? 0.3;
    if (!(pctStart >= 0 && pctStart <= 1)) throw new RangeError(`OneCycleLR: pctStart must be between 0 and 1 but received ${pctStart}`);
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') throw new RangeError(`OneCycleLR: annealStrategy must be 'cos' or 'linear' but received '${String(strategy)}'`);
    const divFactor = o.divFactor ?? 25;
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    const lastEpoch = o.lastEpoch ?? -1;
    const perGroup = (name: string, v: number | number[]): number[] => {
      if (Array.isArray(v)) {
        if (v.length !== optimizer.paramGroups.length) throw new RangeError(`OneCycleLR: expected ${optimizer.paramGroups.length} values for ${name}, got ${v.length}`);
        return v;
      }
      return optimizer.paramGroups.map(() => v);
    };
    // Group keys are set before the base constructor reads initialLr, as PyTorch does.
    const maxLrs = perGroup('maxLr', o.maxLr);
    if (lastEpoch === -1) {
      optimizer.paramGroups.forEach((group, i) => {
        group.initialLr = maxLrs[i] / divFactor;
        group.maxLr = maxLrs[i];
        group.minLr = (group.initialLr as number) / finalDivFactor;
      });
    }
    const cycleMomentum = o.cycleMomentum ?? true;
    let useBeta1 = false;
    if (cycleMomentum) {
      if (!('momentum' in optimizer.defaults) && !('betas' in optimizer.defaults)) {
        throw new RangeError('OneCycleLR: optimizer must support momentum with the cycleMomentum option enabled');
      }
      useBeta1 = 'betas' in optimizer.defaults;
      const maxMomentums = perGroup('maxMomentum', o.maxMomentum ?? 0.95);
      const baseMomentums = perGroup('baseMomentum', o.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        optimizer.paramGroups.forEach((group, i) => {
          if (useBeta1) group.betas = [maxMomentums[i], (group.betas as number[])[1]];
          else group.momentum = maxMomentums[i];
          group.maxMomentum = maxMomentums[i];
          group.baseMomentum = baseMomentums[i];
        });
      }
    }
    super('OneCycleLR', optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.anneal =
      strategy === 'cos'
        ? (start, end, pct) => end + ((start - end) / 2.0) * (cos(Math.PI * pct) + 1)
        : (start, end, pct) => (end - start) * pct + start;
    this.phases = o.threePhase
      ? [
          { endStep: pctStart * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pctStart * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pctStart * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.initialStep();
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`);
    }
    return this.groups.map((group) => {
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i];
        if (stepNum <= phase.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          lr = this.anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (this.cycleMomentum) momentum = this.anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct);
          break;
        }
        startStep = phase.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) group.betas = [momentum, (group.betas as number[])[1]];
        else group.momentum = momentum;
      }
      return lr;
    });
  }

  protected override extraState(): Record<string, unknown> {
    return { total_steps: this.totalSteps };
  }
}

// ---------------------------------------------------------------------------
// More schedules, each PyTorch 1.13's get_lr (chainable form) step for step.

function positiveInt(op: string, name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${op}: ${name} must be a positive integer but received ${String(v)}`);
  return v as number;
}

function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: expected a finite number for ${name} but received ${String(v)}`);
  return v;
}

/**
 * Multiplies the lr by gamma at each milestone (a milestone listed twice multiplies twice).
 * @example new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 })
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: Map<number, number>;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { milestones: number[]; gamma?: number; lastEpoch?: number }) {
    checkOptions('MultiStepLR', options, ['milestones', 'gamma', 'lastEpoch']);
    super('MultiStepLR', optimizer, options?.lastEpoch ?? -1);
    if (!Array.isArray(options.milestones)) throw new TypeError('MultiStepLR: expected an array of integers for milestones');
    this.milestones = new Map();
    for (const m of options.milestones) {
      if (!Number.isInteger(m)) throw new TypeError(`MultiStepLR: milestones must be integers but received ${String(m)}`);
      this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    }
    this.gamma = finite('MultiStepLR', 'gamma', options.gamma ?? 0.1);
    this.initialStep();
  }

  protected getLr(): number[] {
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * pow(this.gamma, count));
  }

  protected override closedForm(): number[] {
    let passed = 0;
    for (const [m, count] of this.milestones) if (m <= this.lastEpoch) passed += count;
    return this.baseLrs.map((base) => base * pow(this.gamma, passed));
  }

  protected override extraState(): Record<string, unknown> {
    // A Map, so the milestones stay Python ints (PyTorch keeps a Counter).
    return { milestones: new Map(this.milestones), gamma: this.gamma };
  }
}

/**
 * Multiplies the lr by gamma every step.
 * @example new ExponentialLR(opt, { gamma: 0.95 })
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { gamma: number; lastEpoch?: number }) {
    checkOptions('ExponentialLR', options, ['gamma', 'lastEpoch']);
    super('ExponentialLR', optimizer, options?.lastEpoch ?? -1);
    this.gamma = finite('ExponentialLR', 'gamma', options.gamma);
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedForm(): number[] {
    return this.baseLrs.map((base) => base * pow(this.gamma, this.lastEpoch));
  }

  protected override extraState(): Record<string, unknown> {
    return { gamma: this.gamma };
  }
}

/**
 * Scales the lr linearly from startFactor to endFactor over totalIters steps
 * (a warmup: compose it with another schedule through SequentialLR).
 * @example new LinearLR(opt, { startFactor: 0.1, totalIters: 5 })
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    checkOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch']);
    const startFactor = finite('LinearLR', 'startFactor', options.startFactor ?? 1.0 / 3);
    const endFactor = finite('LinearLR', 'endFactor', options.endFactor ?? 1.0);
    if (startFactor > 1.0 || startFactor < 0) throw new RangeError('LinearLR: starting multiplicative factor expected to be between 0 and 1');
    if (endFactor > 1.0 || endFactor < 0) throw new RangeError('LinearLR: ending multiplicative factor expected to be between 0 and 1');
    super('LinearLR', optimizer, options.lastEpoch ?? -1);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = positiveInt('LinearLR', 'totalIters', options.totalIters ?? 5);
    this.initialStep();
  }

  protected getLr(): number[] {
    const { startFactor, endFactor, totalIters, lastEpoch } = this;
    if (lastEpoch === 0) return this.groups.map((g) => g.lr * startFactor);
    if (lastEpoch > totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (endFactor - startFactor) / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor))));
  }

  protected override closedForm(): number[] {
    const { startFactor, endFactor, totalIters, lastEpoch } = this;
    return this.baseLrs.map((base) => base * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, lastEpoch)) / totalIters));
  }

  protected override extraState(): Record<string, unknown> {
    return { start_factor: this.startFactor, end_factor: this.endFactor, total_iters: this.totalIters };
  }
}

/**
 * lr = initial lr * lrLambda(epoch), one function for all groups or one per group.
 * Its state holds no functions (as PyTorch's, which saves only callable objects' dicts).
 * @example new LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch })
 */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: ((epoch: number) => number)[];

  constructor(optimizer: Optimizer, options: { lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]; lastEpoch?: number }) {
    checkOptions('LambdaLR', options, ['lrLambda', 'lastEpoch']);
    const fns = Array.isArray(options.lrLambda) ? [...options.lrLambda] : optimizer.paramGroups.map(() => options.lrLambda as (epoch: number) => number);
    if (fns.length !== optimizer.paramGroups.length) throw new RangeError(`LambdaLR: expected ${optimizer.paramGroups.length} lrLambdas, but got ${fns.length}`);
    fns.forEach((f, i) => {
      if (typeof f !== 'function') throw new TypeError(`LambdaLR: expected a function for lrLambda[${i}] but received ${typeof f}`);
    });
    super('LambdaLR', optimizer, options.lastEpoch ?? -1);
    this.lrLambdas = fns;
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }

  protected override extraState(): Record<string, unknown> {
    return { lr_lambdas: this.lrLambdas.map(() => null) };
  }

  override loadStateDict(state: SchedulerStateDict): void {
    const { lr_lambdas: _ignored, ...rest } = state;
    super.loadStateDict(rest);
  }
}

/**
 * Runs schedulers one after another, switching at the milestones (PyTorch's
 * SequentialLR): warmup then decay, by composition.
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [5] });
 */
export class SequentialLR {
  readonly optimizer: Optimizer;
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];
  lastEpoch: number;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number }) {
    checkOptions('SequentialLR', options, ['schedulers', 'milestones', 'lastEpoch']);
    const { schedulers, milestones } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new TypeError('SequentialLR: expected a non-empty array of schedulers');
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new TypeError(`SequentialLR: schedulers[${i}] is not a scheduler`);
      if (s.optimizer !== optimizer) throw new RangeError(`SequentialLR: expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new RangeError(`SequentialLR: expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${Array.isArray(milestones) ? milestones.length : 'none'}`);
    }
    this.optimizer = optimizer;
    this.schedulers = schedulers;
    this.milestones = [...milestones];
    this.lastEpoch = (options.lastEpoch ?? -1) + 1;
    for (const group of optimizer.paramGroups) group.lr = group.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0]._initialStep();
    this.lastLr = schedulers[0].getLastLr();
  }

  step(): void {
    this.lastEpoch += 1;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx] <= this.lastEpoch) idx++; // bisect_right
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return { _milestones: [...this.milestones], last_epoch: this.lastEpoch, _last_lr: [...this.lastLr], _schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  loadStateDict(state: SchedulerStateDict): void {
    if (state === null || typeof state !== 'object') throw new TypeError('SequentialLR.loadStateDict: expected a scheduler state object');
    this.lastEpoch = Number(state.last_epoch);
    this.lastLr = [...(state._last_lr as number[])];
    (state._schedulers as SchedulerStateDict[]).forEach((s, i) => this.schedulers[i].loadStateDict(s));
  }
}

/**
 * Cuts the lr by `factor` when a metric has stopped improving for `patience`
 * steps (PyTorch's ReduceLROnPlateau, its arithmetic exactly). Call
 * step(metric) once per evaluation.
 * @example const sched = new ReduceLROnPlateau(opt, { mode: 'min', patience: 3 }); sched.step(valLoss);
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(
    optimizer: Optimizer,
    options: {
      mode?: 'min' | 'max'; factor?: number; patience?: number; threshold?: number; thresholdMode?: 'rel' | 'abs';
      cooldown?: number; minLr?: number | number[]; eps?: number;
    } = {},
  ) {
    checkOptions('ReduceLROnPlateau', options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray((optimizer as Optimizer).paramGroups)) {
      throw new TypeError('ReduceLROnPlateau: expected an Optimizer for optimizer');
    }
    this.optimizer = optimizer;
    this.factor = finite('ReduceLROnPlateau', 'factor', options.factor ?? 0.1);
    if (this.factor >= 1.0) throw new RangeError('ReduceLROnPlateau: factor should be < 1.0');
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== optimizer.paramGroups.length) throw new RangeError(`ReduceLROnPlateau: expected ${optimizer.paramGroups.length} minLr, got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else {
      this.minLrs = optimizer.paramGroups.map(() => minLr);
    }
    this.patience = options.patience ?? 10;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new RangeError(`ReduceLROnPlateau: patience must be a whole number >= 0 but received ${String(options.patience)}`);
    this.cooldown = options.cooldown ?? 0;
    this.threshold = finite('ReduceLROnPlateau', 'threshold', options.threshold ?? 1e-4);
    this.eps = finite('ReduceLROnPlateau', 'eps', options.eps ?? 1e-8);
    this.mode = options.mode ?? 'min';
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`ReduceLROnPlateau: mode ${String(this.mode)} is unknown!`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new RangeError(`ReduceLROnPlateau: threshold mode ${String(this.thresholdMode)} is unknown!`);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** One evaluation's metric (a number or a one-element tensor's item()). */
  step(metric: number): void {
    const current = finite('ReduceLROnPlateau.step', 'metric', metric);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((group, i) => {
        const old = group.lr;
        const next = Math.max(old * this.factor, this.minLrs[i]);
        if (old - next > this.eps) group.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return {
      factor: this.factor, min_lrs: [...this.minLrs], patience: this.patience, cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter, mode: this.mode, threshold: this.threshold, threshold_mode: this.thresholdMode,
      best: this.best, num_bad_epochs: this.numBadEpochs, mode_worse: this.mode === 'min' ? Infinity : -Infinity,
      eps: this.eps, last_epoch: this.lastEpoch, _last_lr: [...this.lastLr],
    };
  }

  loadStateDict(state: SchedulerStateDict): void {
    if (state === null || typeof state !== 'object') throw new TypeError('ReduceLROnPlateau.loadStateDict: expected a scheduler state object');
    this.best = Number(state.best);
    this.numBadEpochs = Number(state.num_bad_epochs);
    this.cooldownCounter = Number(state.cooldown_counter);
    this.lastEpoch = Number(state.last_epoch);
    if (Array.isArray(state._last_lr)) this.lastLr = [...(state._last_lr as number[])];
  }
}
