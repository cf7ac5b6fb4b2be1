// The logic of `npm run bench` that involves no timing: the case list and its selection, argument
// parsing, medians and spreads, FLOP bounds, output comparison and the markdown report.
// Pure functions, tested by test/bench-harness.test.ts; main.ts runs the processes.

import { parseArgs } from 'node:util';

export type Kind = 'infer' | 'busy' | 'train' | 'rss' | 'cold';
export type Contender = 'exact' | 'fast' | 'eager' | 'frozen' | 'ort';
export const CONTENDERS: Contender[] = ['exact', 'fast', 'eager', 'frozen', 'ort'];
/** The training step exists for this library and PyTorch only. */
export const TRAIN_CONTENDERS: Contender[] = ['exact', 'eager'];
export const LABELS: Record<Contender, string> = {
  exact: 'this library (exact)',
  fast: 'this library (fast)',
  eager: 'PyTorch eager',
  frozen: 'PyTorch frozen',
  ort: 'onnxruntime-node',
};

export interface Case {
  id: string;
  kind: Kind;
  arch: string;
  size: number;
  batch: number;
  threads: number;
}

const SHORT: Record<string, string> = { resnet18: 'r18', resnet20: 'r20', resnet50: 'r50' };

function make(kind: Kind, arch: string, size: number, batch: number, threads: number): Case {
  const base = `${SHORT[arch]}-${size}-b${batch}-t${threads}`;
  const id = kind === 'infer' ? base : kind === 'busy' ? `${base}-busy` : `${kind}-${base}`;
  return { id, kind, arch, size, batch, threads };
}

/** Every case, in the order a round runs them. */
export function allCases(): Case[] {
  const infer: Case[] = [];
  for (const arch of ['resnet18', 'resnet50']) {
    for (const batch of [1, 8, 32]) for (const threads of [1, 2]) infer.push(make('infer', arch, 224, batch, threads));
  }
  for (const batch of [1, 32]) for (const threads of [1, 2]) infer.push(make('infer', 'resnet18', 32, batch, threads));
  return [
    ...infer,
    ...infer.filter((c) => c.threads === 2).map((c) => make('busy', c.arch, c.size, c.batch, c.threads)),
    make('train', 'resnet20', 32, 128, 2),
    make('train', 'resnet18', 32, 64, 2),
    make('rss', 'resnet50', 224, 8, 2),
    make('cold', 'resnet18', 224, 1, 2),
  ];
}

/** `*` matches any run of characters; a pattern must match the whole id. */
export function globMatch(pattern: string, id: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(id);
}

export function selectCases(cases: Case[], patterns: string[]): Case[] {
  for (const p of patterns) {
    if (!cases.some((c) => globMatch(p, c.id))) throw new RangeError(`bench: --cases pattern '${p}' matches no case (see --list)`);
  }
  return cases.filter((c) => patterns.some((p) => globMatch(p, c.id)));
}

export interface Options {
  rounds: number;
  cases: Case[];
  contenders: Contender[];
  warmup: number;
  minIters: number;
  maxIters: number;
  budgetMs: number;
  trainSteps: number;
  rssForwards: number;
  timeoutS: number;
  /** GFLOP/s per thread count, given instead of measured. */
  peak?: Record<string, number>;
  assets: string;
  out: string;
  list: boolean;
}

export const QUICK_CASES = ['r18-224-b1-t1', 'r18-224-b1-t2', 'r18-224-b1-t2-busy', 'r18-32-b32-t2', 'train-r20-32-b128-t2', 'cold-*'];

export const USAGE = `usage: npm run bench -- [options]
  --rounds N          rounds; every case runs each contender once per round, interleaved (default 3)
  --cases P,P,...     only the cases whose id matches a pattern (* is a wildcard; --list shows ids)
  --contenders C,...  among ${CONTENDERS.join(', ')} (default all)
  --quick             --rounds 1 --min-iters 3 --budget-ms 1000 --train-steps 5 and, unless --cases is given,
                      --cases ${QUICK_CASES.join(',')}
  --warmup N          untimed calls before timing (default 3)
  --min-iters N       timed calls per run, at least (default 5)
  --max-iters N       and at most (default 50), stopping once --budget-ms has passed (default 3000)
  --train-steps N     timed training steps per run (default 10)
  --rss-forwards N    forwards of the peak-RSS case (default 20)
  --timeout-s N       a run taking longer is killed and reported (default 600)
  --peak 1=G,2=G      the peak GFLOP/s per thread count, instead of measuring an sgemm
  --out FILE          the markdown report (default .cache/bench/last.md; last.json beside it)
  --list              print the case ids and exit`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bench: --${name} must be a positive integer but got '${value}'`);
  return n;
}

export function parseBenchArgs(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rounds: { type: 'string' },
      cases: { type: 'string' },
      contenders: { type: 'string' },
      quick: { type: 'boolean' },
      warmup: { type: 'string' },
      'min-iters': { type: 'string' },
      'max-iters': { type: 'string' },
      'budget-ms': { type: 'string' },
      'train-steps': { type: 'string' },
      'rss-forwards': { type: 'string' },
      'timeout-s': { type: 'string' },
      peak: { type: 'string' },
      assets: { type: 'string' },
      out: { type: 'string' },
      list: { type: 'boolean' },
    },
  });
  const quick = values.quick === true;
  const patterns = values.cases !== undefined ? values.cases.split(',').filter((p) => p !== '') : quick ? QUICK_CASES : ['*'];
  if (patterns.length === 0) throw new RangeError('bench: --cases is empty');
  const contenders = (values.contenders ?? CONTENDERS.join(',')).split(',').filter((c) => c !== '');
  for (const c of contenders) {
    if (!(CONTENDERS as string[]).includes(c)) throw new RangeError(`bench: unknown contender '${c}' (one of: ${CONTENDERS.join(', ')})`);
  }
  let peak: Record<string, number> | undefined;
  if (values.peak !== undefined) {
    peak = {};
    for (const part of values.peak.split(',')) {
      const m = /^(\d+)=(\d+(?:\.\d+)?)$/.exec(part.trim());
      if (!m || Number(m[2]) <= 0) throw new RangeError(`bench: --peak expects THREADS=GFLOPS pairs like 1=205,2=410 but got '${part}'`);
      peak[m[1]] = Number(m[2]);
    }
  }
  // The warm-up default is 3 even in a quick run: the frozen graph optimizes on its first calls.
  const warmupGiven = values.warmup !== undefined;
  const options: Options = {
    rounds: positiveInt('rounds', values.rounds, quick ? 1 : 3),
    cases: selectCases(allCases(), patterns),
    contenders: contenders as Contender[],
    warmup: warmupGiven ? Number(values.warmup) : 3,
    minIters: positiveInt('min-iters', values['min-iters'], quick ? 3 : 5),
    maxIters: positiveInt('max-iters', values['max-iters'], 50),
    budgetMs: positiveInt('budget-ms', values['budget-ms'], quick ? 1000 : 3000),
    trainSteps: positiveInt('train-steps', values['train-steps'], quick ? 5 : 10),
    rssForwards: positiveInt('rss-forwards', values['rss-forwards'], 20),
    timeoutS: positiveInt('timeout-s', values['timeout-s'], 600),
    peak,
    assets: values.assets ?? '.cache/bench/assets',
    out: values.out ?? '.cache/bench/last.md',
    list: values.list === true,
  };
  if (!Number.isInteger(options.warmup) || options.warmup < 0) throw new RangeError(`bench: --warmup must be a non-negative integer but got '${values.warmup}'`);
  if (options.maxIters < options.minIters) throw new RangeError(`bench: --max-iters (${options.maxIters}) is below --min-iters (${options.minIters})`);
  return options;
}

/** The contenders of a case, in a round's order: rotated by the round so none always runs first. */
export function roundOrder(c: Case, contenders: Contender[], round: number): Contender[] {
  const mine = contenders.filter((x) => c.kind !== 'train' || TRAIN_CONTENDERS.includes(x));
  if (mine.length === 0) return mine;
  const k = round % mine.length;
  return [...mine.slice(k), ...mine.slice(0, k)];
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median of the rounds' values. */
  spread: number;
  n: number;
}

export function summarize(values: number[]): Summary | undefined {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return undefined;
  const m = median(xs);
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return { median: m, min, max, spread: (max - min) / m, n: xs.length };
}

/** One contender's runs of one case: each run's median (or the cold start, or peak RSS). */
export interface Runs {
  medians: number[];
  rssMb: number[];
  importMs: number[];
  na?: string;
  errors: string[];
}

export const emptyRuns = (): Runs => ({ medians: [], rssMb: [], importMs: [], errors: [] });

export interface Meta {
  flops: Record<string, number>;
  train_flops: Record<string, number>;
  torch?: string;
}

/** The time the FLOPs would take at the peak rate, in ms; training counts 3x the forward (forward, input and weight gradients). */
export function flopBoundMs(c: Case, meta: Meta, peak: Record<string, number>): number {
  const gflops = peak[String(c.threads)];
  const perSample = c.kind === 'train' ? 3 * (meta.train_flops[`${c.arch}-${c.size}`] ?? NaN) : meta.flops[`${c.arch}-${c.size}`] ?? NaN;
  return gflops ? (perSample * c.batch) / (gflops * 1e6) : NaN;
}

export interface Comparison {
  bitEqual: boolean;
  maxAbs: number;
  /** maxAbs / (max - min) of the reference. */
  relToRange: number;
  top5Same: number;
  rows: number;
}

function top5(row: Float32Array): number[] {
  return [...row.keys()].sort((a, b) => row[b] - row[a] || a - b).slice(0, 5).sort((a, b) => a - b);
}

/** Compares an output with the reference (PyTorch eager's), both [rows, classes] float32. */
export function compareOutputs(ref: Float32Array, other: Float32Array, rows: number): Comparison {
  if (ref.length !== other.length) throw new RangeError(`bench: outputs of ${ref.length} and ${other.length} values`);
  let maxAbs = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(ref[i] - other[i]));
    lo = Math.min(lo, ref[i]);
    hi = Math.max(hi, ref[i]);
  }
  const a = new Uint8Array(ref.buffer, ref.byteOffset, ref.byteLength);
  const b = new Uint8Array(other.buffer, other.byteOffset, other.byteLength);
  const bitEqual = a.length === b.length && a.every((v, i) => v === b[i]);
  const cols = ref.length / rows;
  let top5Same = 0;
  for (let r = 0; r < rows; r++) {
    const x = top5(ref.subarray(r * cols, (r + 1) * cols));
    const y = top5(other.subarray(r * cols, (r + 1) * cols));
    if (x.every((v, i) => v === y[i])) top5Same++;
  }
  return { bitEqual, maxAbs, relToRange: maxAbs / (hi - lo), top5Same, rows };
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

export const fmtRatio = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a');

/** A time cell: the median of the rounds' medians and the spread, or why there is none. */
export function cell(runs: Runs | undefined, value: (s: Summary) => string = (s) => fmtMs(s.median)): string {
  if (!runs) return '—';
  if (runs.na) return `n/a (${runs.na})`;
  const s = summarize(runs.medians);
  if (!s) return runs.errors.length > 0 ? 'failed' : '—';
  return s.n > 1 ? `${value(s)} ±${((s.spread * 100) / 2).toFixed(0)}%` : value(s);
}

export interface Report {
  header: string[];
  cases: Case[];
  contenders: Contender[];
  runs: Map<string, Runs>;
  meta: Meta;
  peak: Record<string, number>;
  checks: Map<string, Partial<Record<Contender, Comparison>>>;
  rssForwards: number;
}

export const key = (caseId: string, c: Contender): string => `${caseId}|${c}`;

function med(report: Report, caseId: string, c: Contender): number {
  const runs = report.runs.get(key(caseId, c));
  return runs && !runs.na ? (summarize(runs.medians)?.median ?? NaN) : NaN;
}

/** A ratio with its target: a miss, as printed (so never "1.00x ✗"), is marked ✗. */
function ratioCell(r: number, target?: number): string {
  return fmtRatio(r) + (target !== undefined && Number.isFinite(r) && Number(r.toFixed(2)) > target ? ' ✗' : '');
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function caseLabel(c: Case): string {
  const shape = c.size === 224 ? '' : ` ${c.size}x${c.size}`;
  return `${c.arch}${shape} b${c.batch}, ${c.threads} thread${c.threads > 1 ? 's' : ''}`;
}

function checkCell(x: Comparison | undefined, exact: boolean): string {
  if (!x) return '—';
  if (exact) return x.bitEqual ? 'bit-equal' : `**differs**: max abs ${x.maxAbs.toExponential(1)}`;
  return `${x.relToRange.toExponential(1)} of range, top-5 ${x.top5Same}/${x.rows}`;
}

/** The markdown report: what the README's table is pasted from. */
export function renderReport(report: Report): string {
  const { cases, contenders } = report;
  const out: string[] = [...report.header, ''];
  const has = (k: Kind) => cases.filter((c) => c.kind === k);
  const inferOnes = contenders;
  const infer = has('infer');
  if (infer.length > 0) {
    out.push('Inference, ms per forward: median of the rounds\' medians ±half their spread (max − min).', '');
    out.push(
      ...table(
        ['case', ...inferOnes.map((c) => LABELS[c]), 'FLOP bound'],
        infer.map((c) => [caseLabel(c), ...inferOnes.map((k) => cell(report.runs.get(key(c.id, k)))), fmtMs(flopBoundMs(c, report.meta, report.peak))]),
      ),
      '',
    );
    const pairs: [Contender, Contender | 'bound', number | undefined][] = [
      ['exact', 'eager', 1.0],
      ['exact', 'frozen', undefined],
      ['exact', 'ort', undefined],
      ['exact', 'bound', undefined],
      ['fast', 'eager', undefined],
      ['fast', 'frozen', 0.9],
      ['fast', 'ort', 0.9],
      ['fast', 'bound', undefined],
    ];
    const shown = pairs.filter(([a, b]) => contenders.includes(a) && (b === 'bound' || contenders.includes(b)));
    if (shown.length > 0) {
      out.push('Ratios (time / time; ✗ marks a missed target of issue 14):', '');
      out.push(
        ...table(
          ['case', ...shown.map(([a, b]) => `${a} / ${b === 'bound' ? 'FLOP bound' : b}`)],
          infer.map((c) => [
            caseLabel(c),
            ...shown.map(([a, b, target]) => {
              const mine = med(report, c.id, a);
              const theirs = b === 'bound' ? flopBoundMs(c, report.meta, report.peak) : med(report, c.id, b);
              // The fast-mode targets against ORT are set at batch 1 and 8 of resnet18/50 at 224x224.
              const applies = !(a === 'fast' && b === 'ort') || (c.size === 224 && c.batch <= 8);
              return ratioCell(mine / theirs, applies ? target : undefined);
            }),
          ]),
        ),
        '',
      );
    }
  }
  const busy = has('busy');
  if (busy.length > 0) {
    out.push('Under contention: a busy process (a spin loop pinned to core 0 with taskset) runs beside; ms, and the ratio to the quiet run (target ≤ 2.5x).', '');
    out.push(
      ...table(
        ['case', ...contenders.map((c) => LABELS[c])],
        busy.map((c) => [
          caseLabel(c),
          ...contenders.map((k) => {
            const runs = report.runs.get(key(c.id, k));
            if (!runs || runs.na) return cell(runs);
            const quiet = med(report, c.id.replace(/-busy$/, ''), k);
            return `${cell(runs)} (${ratioCell(med(report, c.id, k) / quiet, 2.5)})`;
          }),
        ]),
      ),
      '',
    );
  }
  const train = has('train');
  if (train.length > 0 && contenders.includes('exact') && contenders.includes('eager')) {
    out.push('Training step (forward, cross entropy, backward, SGD with Nesterov momentum; 3 channels, 10 classes), ms per step:', '');
    out.push(
      ...table(
        ['case', LABELS.exact, 'PyTorch', 'ratio (target ≤ 1.0x)', 'FLOP bound (3x forward)', 'exact / bound'],
        train.map((c) => {
          const bound = flopBoundMs(c, report.meta, report.peak);
          return [
            caseLabel(c),
            cell(report.runs.get(key(c.id, 'exact'))),
            cell(report.runs.get(key(c.id, 'eager'))),
            ratioCell(med(report, c.id, 'exact') / med(report, c.id, 'eager'), 1.0),
            fmtMs(bound),
            fmtRatio(med(report, c.id, 'exact') / bound),
          ];
        }),
      ),
      '',
    );
  }
  for (const c of has('rss')) {
    out.push(`Peak RSS over ${report.rssForwards} forwards of ${caseLabel(c)} (process maxrss, MB; median of the rounds):`, '');
    const eager = report.runs.get(key(c.id, 'eager'));
    const eagerMb = eager ? (summarize(eager.rssMb)?.median ?? NaN) : NaN;
    const target: Partial<Record<Contender, number>> = { exact: eagerMb };
    const ort = report.runs.get(key(c.id, 'ort'));
    if (ort) target.fast = summarize(ort.rssMb)?.median;
    out.push(
      ...table(
        ['contender', 'peak RSS', 'ratio to PyTorch eager'],
        contenders.map((k) => {
          const runs = report.runs.get(key(c.id, k));
          const s = runs && !runs.na ? summarize(runs.rssMb) : undefined;
          const t = target[k];
          const miss = s && t !== undefined && s.median > t ? ' ✗' : '';
          return [LABELS[k], runs?.na ? `n/a (${runs.na})` : s ? `${s.median.toFixed(0)} MB${miss}` : '—', s ? fmtRatio(s.median / eagerMb) : 'n/a'];
        }),
      ),
      '',
    );
  }
  for (const c of has('cold')) {
    out.push(`Cold start, process launch to the first ${caseLabel(c)} output (ms; the import of the runtime inside it):`, '');
    out.push(
      ...table(
        ['contender', 'cold start', 'of which import'],
        contenders.map((k) => {
          const runs = report.runs.get(key(c.id, k));
          const imp = runs && !runs.na ? summarize(runs.importMs) : undefined;
          return [LABELS[k], cell(runs), imp ? fmtMs(imp.median) : '—'];
        }),
      ),
      '',
    );
  }
  const checked = infer.filter((c) => report.checks.has(c.id));
  if (checked.length > 0) {
    const others = contenders.filter((k) => k !== 'eager');
    out.push('Outputs against PyTorch eager\'s (last round): the exact path must be bit-equal; the others show max |diff| relative to the output range and how many rows keep the same top-5 classes.', '');
    out.push(
      ...table(
        ['case', ...others.map((k) => LABELS[k])],
        checked.map((c) => [caseLabel(c), ...others.map((k) => checkCell(report.checks.get(c.id)?.[k], k === 'exact'))]),
      ),
      '',
    );
  }
  const beaten = [...infer, ...train].flatMap((c) => {
    const bound = flopBoundMs(c, report.meta, report.peak);
    return contenders.filter((k) => med(report, c.id, k) < bound).map((k) => `${caseLabel(c)} (${LABELS[k]})`);
  });
  if (beaten.length > 0) {
    out.push(`⚠ Faster than the FLOP bound, so the peak measurement was disturbed (a loaded machine?) and the bound ratios are wrong; rerun with --peak: ${beaten.join(', ')}.`, '');
  }
  const failures = [...report.runs.entries()].filter(([, r]) => r.errors.length > 0);
  if (failures.length > 0) {
    out.push('Failed runs:', '');
    for (const [k, r] of failures) out.push(`- ${k}: ${r.errors.join('; ')}`);
    out.push('');
  }
  return out.join('\n');
}
