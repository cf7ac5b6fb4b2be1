// The ResNet parity matrix: every model of the zoo against torchvision (and the
// CIFAR ResNets against their Python reference), check by check:
//
//   keys      stateDict() keys, order, shapes and dtypes = torchvision's state_dict()
//   seed      manualSeed(0) + factory = torch.manual_seed(0) + constructor (every
//             tensor's SHA-256), and the seeded BN perturbation replays too
//   state     the weights the forward runs with = Python's (loaded with
//             loadStateDict from .npy for the "full" cases)
//   eval      eval() forward output
//   train     train() forward output and cross-entropy loss
//   stats     running_mean / running_var / num_batches_tracked after that step
//   grads     every parameter gradient after loss.backward()
//
// Each cell is "exact" or the max abs difference ("digest" cases, whose weights
// and gradients would take gigabytes as .npy, compare SHA-256 digests of the
// exact bytes: a mismatch there reports how many tensors differ).
//
//   npm run parity                 # all cases
//   npm run parity -- resnet18 resnet50@224
//
// test/resnet-parity.test.ts runs the same cases through runCase().

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import * as zoo from '../resnet/index.js';
import { FIXTURES, makeFixtures, ROOT } from './fixtures.js';

// ---------------------------------------------------------------------------
// Fixtures: the same cache as the tests (scripts/fixtures.ts), per torch version.

export { ROOT };
export const FIXTURE_DIR = join(FIXTURES, 'resnet');

/** Makes the fixtures when they are missing or stale (what vitest's global setup does for the tests). */
export function ensureFixtures(): void {
  makeFixtures(['resnet']);
}

// ---------------------------------------------------------------------------
// The manifest written by scripts/reference/resnet.py

export interface ParityCase {
  name: string;
  folder: string;
  stateFolder: string;
  factory: string;
  options: Record<string, unknown>;
  batch: number;
  size: number;
  inChannels: number;
  numClasses: number;
  /** "full": weights and gradients as .npy; "digest": SHA-256 digests only. */
  mode: 'full' | 'digest';
  numParameters: number;
  keys: [string, number[], string][];
  init: Record<string, string>;
  perturbed: Record<string, string>;
  statsKeys: string[];
  nbtKeys: string[];
  params: [string, number[]][];
  gradDigests: Record<string, string>;
  loss: number;
}

export interface Manifest {
  seeds: { init: number; perturb: number; input: number };
  cases: ParityCase[];
}

export function loadManifest(dir = FIXTURE_DIR): Manifest {
  return JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Manifest;
}

// ---------------------------------------------------------------------------
// Building and preparing a model exactly as the reference did

type Factory = (options: Record<string, unknown>) => nn.Module;

/** The model of a case, from its factory name and (JSON) options. */
export function buildModel(c: ParityCase): nn.Module {
  const factory = (zoo as unknown as Record<string, Factory>)[c.factory];
  if (typeof factory !== 'function') throw new Error(`parity: no factory ${c.factory} in resnet/`);
  const options: Record<string, unknown> = { ...c.options };
  if (options.normLayer === 'batchnorm2d_momentum_null') {
    options.normLayer = (features: number) => new nn.BatchNorm2d(features, { momentum: null });
  } else if (options.normLayer !== undefined) {
    throw new Error(`parity: unknown normLayer ${String(options.normLayer)}`);
  }
  return factory(options);
}

/** The reference's perturb(): the same generator calls, in the same module order. */
export function perturb(model: nn.Module): void {
  for (const m of model.modules()) {
    if (m instanceof nn.BatchNorm2d) {
      nn.init.uniform_(m.weight!, 0.5, 1.5);
      nn.init.uniform_(m.bias!, -0.2, 0.2);
      nn.init.uniform_(m.running_mean!, -0.2, 0.2);
      nn.init.uniform_(m.running_var!, 0.5, 2.0);
      nn.init.constant_(m.num_batches_tracked!, 3);
    }
  }
}

/** SHA-256 of a tensor's elements in C order (numpy's tobytes()). */
export function digest(t: Tensor): string {
  const data = t.toArray();
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

// ---------------------------------------------------------------------------
// Checks

export const CHECKS = ['keys', 'seed', 'state', 'eval', 'train', 'stats', 'grads'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  check: CheckName;
  exact: boolean;
  /** Max |ours - reference| where both sides are at hand as tensors; null for digest or structural checks. */
  maxAbsDiff: number | null;
  /** "exact", "max abs diff 3.1e-7", "2/161 tensors differ: layer1.0.conv1.weight, ..." */
  detail: string;
  seconds: number;
}

export interface CaseResult {
  name: string;
  checks: CheckResult[];
  seconds: number;
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return torch.tidy(() => {
    if (a.shape.join() !== b.shape.join()) return Infinity;
    return a.to('float64').sub(b.to('float64')).abs().max().item();
  });
}

function compareTensors(check: CheckName, started: number, pairs: [string, Tensor, Tensor][]): CheckResult {
  let worst = 0;
  const differing: string[] = [];
  for (const [label, ours, reference] of pairs) {
    if (!ours.equal(reference)) {
      differing.push(label);
      worst = Math.max(worst, maxAbsDiff(ours, reference));
    }
  }
  const seconds = (Date.now() - started) / 1000;
  if (differing.length === 0) return { check, exact: true, maxAbsDiff: 0, detail: 'exact', seconds };
  return { check, exact: false, maxAbsDiff: worst, detail: `max abs diff ${worst.toExponential(2)} (${differing.join(', ')})`, seconds };
}

function compareDigests(check: CheckName, started: number, ours: Record<string, string>, reference: Record<string, string>, worst: number | null = null): CheckResult {
  const keys = Object.keys(reference);
  const differing = keys.filter((k) => ours[k] !== reference[k]);
  const seconds = (Date.now() - started) / 1000;
  if (differing.length === 0) return { check, exact: true, maxAbsDiff: worst ?? 0, detail: 'exact', seconds };
  const list = differing.slice(0, 3).join(', ') + (differing.length > 3 ? ', ...' : '');
  const diff = worst === null ? '' : `max abs diff ${worst.toExponential(2)}; `;
  return { check, exact: false, maxAbsDiff: worst, detail: `${diff}${differing.length}/${keys.length} tensors differ (${list})`, seconds };
}

function digests(entries: Iterable<[string, Tensor]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, t] of entries) out[k] = digest(t);
  return out;
}

function npy(dir: string, name: string): Tensor {
  return torch.loadNpy(join(dir, `${name}.npy`));
}

/**
 * Runs every check of one case. Call torch.setNumThreads(1) first (the
 * reference ran with one thread; gradients depend on the thread count).
 */
export function runCase(c: ParityCase, manifest: Manifest, dir = FIXTURE_DIR): CaseResult {
  const caseStarted = Date.now();
  const folder = join(dir, c.folder);
  const checks: CheckResult[] = [];
  let t0 = Date.now();

  torch.manualSeed(manifest.seeds.init);
  const model = buildModel(c);
  const disposeLater: Tensor[] = [];
  try {
    // keys: names, order, shapes, dtypes.
    torch.tidy(() => {
      const sd = model.stateDict();
      const ours = Object.entries(sd).map(([k, v]) => [k, v.shape, v.dtype] as [string, number[], string]);
      const same = JSON.stringify(ours) === JSON.stringify(c.keys);
      let detail = 'exact';
      if (!same) {
        const i = ours.findIndex((entry, j) => JSON.stringify(entry) !== JSON.stringify(c.keys[j]));
        detail = `${ours.length} keys vs ${c.keys.length}; first difference at #${i}: ours ${JSON.stringify(ours[i])}, torchvision ${JSON.stringify(c.keys[i])}`;
      }
      checks.push({ check: 'keys', exact: same, maxAbsDiff: null, detail, seconds: (Date.now() - t0) / 1000 });
    });

    // seed: the seeded construction, then the seeded perturbation.
    t0 = Date.now();
    const seeded = torch.tidy(() => digests(Object.entries(model.stateDict())));
    torch.manualSeed(manifest.seeds.perturb);
    perturb(model);
    const replayed = torch.tidy(() => digests(Object.entries(model.stateDict())));
    const seedCheck = compareDigests('seed', t0, { ...prefixKeys('init:', seeded), ...prefixKeys('perturbed:', replayed) }, {
      ...prefixKeys('init:', c.init),
      ...prefixKeys('perturbed:', c.perturbed),
    });
    checks.push(seedCheck);

    // state: the weights used from here on equal Python's.
    t0 = Date.now();
    if (c.mode === 'full') {
      const stateDir = join(dir, c.stateFolder, 'state');
      torch.tidy(() => {
        const sd: Record<string, Tensor> = {};
        for (const [key] of c.keys) sd[key] = npy(stateDir, key);
        model.loadStateDict(sd);
      });
    }
    const loaded = torch.tidy(() => digests(Object.entries(model.stateDict())));
    checks.push(compareDigests('state', t0, loaded, c.perturbed));

    const x = torch.keep(npy(folder, 'x'));
    const target = torch.keep(npy(folder, 'target'));
    disposeLater.push(x, target);

    // eval forward.
    t0 = Date.now();
    model.eval();
    torch.tidy(() => {
      const out = torch.noGrad(() => model.forward(x) as Tensor);
      checks.push(compareTensors('eval', t0, [['output', out, npy(folder, 'eval_out')]]));
    });

    // train forward + backward.
    t0 = Date.now();
    model.train();
    torch.tidy(() => {
      const out = model.forward(x) as Tensor;
      const loss = torch.nn.functional.crossEntropy(out, target);
      loss.backward();
      checks.push(
        compareTensors('train', t0, [
          ['output', out, npy(folder, 'train_out')],
          ['loss', loss, npy(folder, 'loss')],
        ]),
      );
    });

    // running stats after the step.
    t0 = Date.now();
    torch.tidy(() => {
      const buffers = new Map(model.namedBuffers());
      const stats = torch.cat(c.statsKeys.map((k) => buffers.get(k)!.flatten()));
      const nbt = torch.tensor(
        BigInt64Array.from(c.nbtKeys, (k) => (buffers.get(k)!.toArray() as BigInt64Array)[0]),
        [c.nbtKeys.length],
      );
      checks.push(
        compareTensors('stats', t0, [
          ['running_mean/var', stats, npy(folder, 'stats')],
          ['num_batches_tracked', nbt, npy(folder, 'nbt')],
        ]),
      );
    });

    // gradients.
    t0 = Date.now();
    torch.tidy(() => {
      const params = model.namedParameters();
      const names = params.map(([n]) => n);
      if (JSON.stringify(names) !== JSON.stringify(c.params.map(([n]) => n))) {
        checks.push({ check: 'grads', exact: false, maxAbsDiff: null, detail: 'namedParameters() order differs from named_parameters()', seconds: 0 });
        return;
      }
      const grads = params.map(([n, p]) => [n, p.grad ?? torch.zeros(p.shape)] as [string, Tensor]);
      let worst: number | null = null;
      if (c.mode === 'full') {
        const flat = torch.cat(grads.map(([, g]) => g.flatten()));
        const reference = npy(folder, 'grads');
        worst = flat.equal(reference) ? 0 : maxAbsDiff(flat, reference);
      }
      // The digests are exact for every case; the flat .npy of the "full" cases
      // adds how far a mismatch is.
      checks.push(compareDigests('grads', t0, digests(grads), c.gradDigests, worst));
    });
  } finally {
    model.dispose();
    for (const t of disposeLater) t.dispose();
  }
  return { name: c.name, checks, seconds: (Date.now() - caseStarted) / 1000 };
}

function prefixKeys(prefix: string, record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [prefix + k, v]));
}

// ---------------------------------------------------------------------------
// The matrix

function cell(r: CheckResult | undefined): string {
  if (r === undefined) return '-';
  if (r.exact) return 'exact';
  if (r.maxAbsDiff !== null && Number.isFinite(r.maxAbsDiff)) return r.maxAbsDiff.toExponential(1);
  const count = /(\d+\/\d+) tensors differ/.exec(r.detail)?.[1];
  return count !== undefined ? `${count} differ` : 'DIFFERS';
}

/** A Markdown table: model x check -> exact / max abs diff. */
export function formatMatrix(results: CaseResult[], cases: ParityCase[]): string {
  const header = ['model', 'input', 'mode', ...CHECKS, 'seconds'];
  const rows = results.map((r) => {
    const c = cases.find((x) => x.name === r.name)!;
    return [
      r.name,
      `${c.batch}x${c.inChannels}x${c.size}x${c.size}`,
      c.mode,
      ...CHECKS.map((name) => cell(r.checks.find((x) => x.check === name))),
      r.seconds.toFixed(1),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((s, i) => s.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function main(): void {
  const wanted = process.argv.slice(2);
  ensureFixtures();
  const manifest = loadManifest();
  const unknown = wanted.filter((w) => !manifest.cases.some((c) => c.name === w));
  if (unknown.length > 0) {
    console.error(`parity: unknown case(s) ${unknown.join(', ')}; known: ${manifest.cases.map((c) => c.name).join(', ')}`);
    process.exit(2);
  }
  const cases = manifest.cases.filter((c) => wanted.length === 0 || wanted.includes(c.name));
  torch.setNumThreads(1);
  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = runCase(c, manifest);
    results.push(r);
    const bad = r.checks.filter((x) => !x.exact);
    console.log(`${r.name}: ${bad.length === 0 ? 'all exact' : bad.map((x) => `${x.check}: ${x.detail}`).join('; ')} (${r.seconds.toFixed(1)} s)`);
  }
  console.log('');
  console.log(`libtorch ${torch.versions().libtorch}, 1 thread; reference: torchvision (Debian python3-torchvision), scripts/reference/resnet.py`);
  console.log(formatMatrix(results, cases));
  const failures = results.filter((r) => r.checks.some((x) => !x.exact)).length;
  console.log(`\n${results.length - failures}/${results.length} models exact on every check`);
  if (failures > 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
