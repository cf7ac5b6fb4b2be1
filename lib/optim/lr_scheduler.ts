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

  /** Subclasses call this at the end of their constructor (PyTorch's _initial_step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  protected abstract getLr(): number[];

  /** Advances one step (call after optimizer.step()) and writes the new lr into every group. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const values = this.getLr();
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
