// `npm run bench` (scripts/bench.sh runs this after making the assets): this library's exact path
// and fast mode, PyTorch eager and frozen, and onnxruntime-node, each case in separate processes,
// interleaved over rounds; then the markdown report (printed, and written to .cache/bench/last.md).
//   node dist/scripts/bench/main.js --help

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import type { InferJob, InferResult } from './job.js';
import {
  type Case,
  type Comparison,
  compareOutputs,
  type Contender,
  emptyRuns,
  fmtMs,
  key,
  type Meta,
  type Options,
  parseBenchArgs,
  renderReport,
  roundOrder,
  type Runs,
  USAGE,
} from './lib.js';
import { readNpy } from './npy.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PYTHON = process.env.LTR_PYTHON || '/usr/bin/python3';
const ORT_DIR = process.env.BENCH_ORT_DIR;

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms from spawn to the FIRST line (cold start). */
  firstMs?: number;
  timedOut: boolean;
}

const live = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Proc> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const result: Proc = { code: null, stdout: '', stderr: '', timedOut: false };
    const timer = setTimeout(() => {
      result.timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      result.stdout += chunk.toString();
      if (result.firstMs === undefined && /^FIRST$/m.test(result.stdout)) result.firstMs = performance.now() - t0;
    });
    child.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      result.code = code;
      done(result);
    });
  });
}

/** A busy neighbour: a spin loop pinned to core 0. */
async function startSpinner(): Promise<ChildProcess> {
  const child = spawn('taskset', ['-c', '0', process.execPath, '-e', 'for (;;);'], { stdio: 'ignore' });
  live.add(child);
  await new Promise((r) => setTimeout(r, 200));
  if (child.exitCode !== null) throw new Error('bench: the busy process (taskset -c 0 node) did not start; is taskset installed?');
  return child;
}

function stopSpinner(child: ChildProcess): void {
  child.kill('SIGKILL');
  live.delete(child);
}

function command(c: Case, who: Contender, o: Options, outFile: string | undefined): [string, string[]] {
  if (c.kind === 'train') {
    const argv = [c.arch, c.batch, c.size, 3, c.threads, o.trainSteps].map(String);
    return who === 'exact'
      ? [process.execPath, [join(ROOT, 'dist/scripts/bench/train-step.js'), ...argv]]
      : [PYTHON, [join(ROOT, 'scripts/bench/train_step.py'), ...argv]];
  }
  const assets = resolve(ROOT, o.assets);
  const job: InferJob = {
    mode: who,
    arch: c.arch,
    weights: join(assets, who === 'ort' ? `${c.arch}-${c.size}.onnx` : `${c.arch}.pth`),
    input: join(assets, `x-b${c.batch}-s${c.size}.npy`),
    threads: c.threads,
    warmup: o.warmup,
    minIters: o.minIters,
    maxIters: o.maxIters,
    budgetMs: o.budgetMs,
  };
  if (c.kind === 'rss') Object.assign(job, { warmup: 0, minIters: o.rssForwards, maxIters: o.rssForwards, budgetMs: 0 });
  if (c.kind === 'cold') job.cold = true;
  if (outFile) job.out = outFile;
  const json = JSON.stringify(job);
  if (who === 'exact' || who === 'fast') return [process.execPath, [join(ROOT, 'dist/scripts/bench/infer.js'), json]];
  if (who === 'ort') return [process.execPath, [join(ROOT, 'dist/scripts/bench/infer-ort.js'), json]];
  return [PYTHON, [join(ROOT, 'scripts/bench/infer.py'), json]];
}

function lastJson(stdout: string): InferResult | undefined {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  return line ? JSON.parse(line) : undefined;
}

async function main(): Promise<void> {
  let o: Options;
  try {
    if (process.argv.includes('--help')) {
      console.log(USAGE);
      return;
    }
    o = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (o.list) {
    for (const c of o.cases) console.log(c.id);
    return;
  }
  const assets = resolve(ROOT, o.assets);
  const meta = JSON.parse(readFileSync(join(assets, 'meta.json'), 'utf8')) as Meta;
  // Each run's last output, for the checks; removed at the end.
  const outDir = mkdtempSync(join(tmpdir(), 'ltr-bench-'));
  process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));

  // The peak is measured before every round and the best kept: a loaded machine only lowers it.
  const peak: Record<string, number> = { ...o.peak };
  let peakMethod = 'given with --peak';
  let nominal = '';
  async function measurePeak(): Promise<void> {
    const threads = [...new Set(o.cases.map((c) => c.threads))];
    const p = await run(PYTHON, [join(ROOT, 'scripts/bench/peak.py'), ...threads.map(String)], 600_000);
    const r = lastJson(p.stdout) as unknown as { method: string; gflops: Record<string, number>; nominal?: { gflops: number; how: string } } | undefined;
    if (!r) throw new Error(`bench: peak.py failed: ${p.stderr.trim()}`);
    for (const [t, g] of Object.entries(r.gflops)) peak[t] = Math.max(peak[t] ?? 0, g);
    peakMethod = `measured: ${r.method}, before each round, the best kept`;
    if (r.nominal) nominal = ` Nominal per core: ${r.nominal.gflops.toFixed(0)} GFLOP/s (${r.nominal.how}).`;
  }

  const runs = new Map<string, Runs>();
  const versions: { libtorch?: string; torch?: string } = {};
  const ortMissing = !ORT_DIR || !existsSync(join(ORT_DIR, 'node_modules', 'onnxruntime-node'));
  for (let round = 0; round < o.rounds; round++) {
    if (!o.peak) await measurePeak();
    for (const c of o.cases) {
      for (const who of roundOrder(c, o.contenders, round)) {
        const k = key(c.id, who);
        if (!runs.has(k)) runs.set(k, emptyRuns());
        const r = runs.get(k)!;
        if (r.na) continue;
        if (who === 'ort' && ortMissing) {
          r.na = 'onnxruntime-node not installed';
          continue;
        }
        if (who === 'ort' && c.kind !== 'train' && !existsSync(join(assets, `${c.arch}-${c.size}.onnx`))) {
          r.na = 'no ONNX export';
          continue;
        }
        const outFile = c.kind === 'infer' ? join(outDir, `${c.id}-${who}.npy`) : undefined;
        const [cmd, args] = command(c, who, o, outFile);
        const spinner = c.kind === 'busy' ? await startSpinner() : undefined;
        const p = await run(cmd, args, o.timeoutS * 1000);
        if (spinner) stopSpinner(spinner);
        const res = p.code === 0 ? lastJson(p.stdout) : undefined;
        let shown: string;
        if (p.timedOut) {
          r.errors.push(`round ${round + 1}: killed after ${o.timeoutS} s`);
          shown = 'timeout';
        } else if (!res) {
          r.errors.push(`round ${round + 1}: exit ${p.code}: ${p.stderr.trim().split('\n').slice(-3).join(' / ')}`);
          shown = 'failed';
        } else if (res.na) {
          r.na = res.na;
          shown = `n/a (${res.na})`;
        } else {
          const value = c.kind === 'cold' ? (p.firstMs ?? NaN) : (res.median_ms ?? NaN);
          r.medians.push(value);
          if (res.maxrss_mb !== undefined) r.rssMb.push(res.maxrss_mb);
          if (res.import_ms !== undefined) r.importMs.push(res.import_ms);
          if (res.libtorch) versions.libtorch = res.libtorch;
          if (res.torch) versions.torch = res.torch;
          shown = c.kind === 'rss' ? `${res.maxrss_mb?.toFixed(0)} MB` : `${fmtMs(value)} ms`;
        }
        console.error(`bench: round ${round + 1}/${o.rounds} ${c.id} ${who}: ${shown}`);
      }
    }
  }

  const checks = new Map<string, Partial<Record<Contender, Comparison>>>();
  for (const c of o.cases.filter((x) => x.kind === 'infer')) {
    const refFile = join(outDir, `${c.id}-eager.npy`);
    if (!existsSync(refFile)) continue;
    const ref = readNpy(refFile);
    const row: Partial<Record<Contender, Comparison>> = {};
    for (const who of o.contenders) {
      const file = join(outDir, `${c.id}-${who}.npy`);
      if (who !== 'eager' && existsSync(file)) row[who] = compareOutputs(ref.data, readNpy(file).data, ref.shape[0]);
    }
    checks.set(c.id, row);
  }

  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const ortVersion = !o.contenders.includes('ort')
    ? 'not run'
    : ortMissing
      ? 'not installed'
      : (JSON.parse(readFileSync(join(ORT_DIR!, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  const onnxFile = join(assets, 'onnx.json');
  const onnxBy = existsSync(onnxFile) ? ` on ONNX exported by torch ${(JSON.parse(readFileSync(onnxFile, 'utf8')) as { torch: string }).torch}` : '';
  const header = [
    `npm run bench, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${o.rounds} round(s), each case's contenders in separate processes, interleaved (order rotated per round).`,
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; Node ${process.version}; libtorch-resnet ${pkg.version} on libtorch ${versions.libtorch ?? '?'}; PyTorch ${versions.torch ?? meta.torch ?? '?'} (${PYTHON}); onnxruntime-node ${ortVersion}${onnxBy}.`,
    `FLOP bound: 2 x the multiply-adds of every conv and linear layer (scripts/bench/prepare.py) at the peak rate: ${Object.entries(peak)
      .map(([t, g]) => `${g.toFixed(0)} GFLOP/s on ${t} thread${t === '1' ? '' : 's'}`)
      .join(', ')} (${peakMethod}).${nominal}`,
  ];
  const md = renderReport({ header, cases: o.cases, contenders: o.contenders, runs, meta, peak, checks, rssForwards: o.rssForwards });
  const outFile = resolve(ROOT, o.out);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, md);
  const json = { options: { ...o, cases: o.cases.map((c) => c.id) }, peak, peakMethod, meta, versions, runs: Object.fromEntries(runs), checks: Object.fromEntries(checks) };
  writeFileSync(outFile.replace(/\.md$/, '') + '.json', JSON.stringify(json, null, 1));
  console.log(md);
  console.error(`bench: written to ${outFile}`);
}

await main();
