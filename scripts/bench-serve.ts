// The serving benchmark (scripts/bench-serve.sh runs it): `libtorch-resnet
// serve` on loopback with micro-batching on and off, at concurrency 1, 8 and
// 32, and the same model in a minimal onnxruntime-node + fastify server for
// the ratio. Every run is bounded in time; only 127.0.0.1 is contacted.
//
//   node dist/scripts/bench-serve.js --weights W.pth [--onnx M.onnx --ort-server S.js --ort-dir D] [--seconds 10]
//     [--threads 1] [--levels 1,8,32] [--servers on,off,ort] [--rounds 1]   (servers also fast-on, fast-off: serve --fast)

import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import sharp from 'sharp';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');

interface Load {
  concurrency: number;
  seconds: number;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

interface Slice {
  latencies: number[];
  errors: number;
  seconds: number;
}

/** `concurrency` clients, each posting the image back to back for `seconds`. */
async function load(url: string, body: Buffer, concurrency: number, seconds: number): Promise<Slice> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body, signal: AbortSignal.timeout(60_000) });
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
          else latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}

function summarize(concurrency: number, slices: Slice[]): Load {
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const seconds = slices.reduce((t, s) => t + s.seconds, 0);
  const errors = slices.reduce((n, s) => n + s.errors, 0);
  return { concurrency, seconds, requests: latencies.length, errors, rps: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

async function startServer(args: string[], port: number, log: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${log.join('')}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error('server not ready within 300 s');
}

async function stopServer(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

interface ServerStats {
  /** p99 and max event-loop delay (ms), measured since warm-up ended. */
  lag: { p99: number; max: number };
  /** Images and forwards so far (ltr_batch_size's sum and count). */
  images: number;
  forwards: number;
  /** Seconds spent in forwards so far (ltr_inference_duration_seconds_sum). */
  busy: number;
}

/** The server's own view from /metrics. */
async function serverStats(port: number): Promise<ServerStats> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const lag = (q: string): number => Number(new RegExp(`ltr_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)`).exec(text)?.[1] ?? NaN) * 1000;
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { lag: { p99: lag('0.99'), max: lag('1') }, images: value('ltr_batch_size_sum'), forwards: value('ltr_batch_size_count'), busy: value('ltr_inference_duration_seconds_sum') };
}

const loadAverage = (): string => loadavg()[0].toFixed(1);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      weights: { type: 'string' },
      arch: { type: 'string', default: 'resnet50' },
      onnx: { type: 'string' },
      'ort-server': { type: 'string' },
      'ort-dir': { type: 'string' },
      seconds: { type: 'string', default: '10' },
      threads: { type: 'string', default: '1' },
      levels: { type: 'string', default: '1,8,32' },
      servers: { type: 'string', default: 'on,off,ort' },
      rounds: { type: 'string', default: '1' },
    },
  });
  if (!values.weights) throw new Error('--weights is required');
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const levels = values.levels!.split(',').map(Number);
  const image = await sharp({ create: { width: 500, height: 375, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const rows: { server: string; load: Load; lag: { p99: number; max: number } }[] = [];
  // Both libtorch-resnet modes run one forward at a time with the same intra-op thread count
  // (--threads), so batching is compared with no batching on equal cores.
  const configs: Record<string, { name: string; args: string[] }> = {
    on: { name: 'libtorch-resnet, batching on (max-batch 8, 5 ms)', args: ['--max-batch', '8', '--max-delay-ms', '5'] },
    off: { name: 'libtorch-resnet, batching off (max-batch 1)', args: ['--max-batch', '1'] },
    'fast-on': { name: 'libtorch-resnet --fast, batching on (max-batch 8, 5 ms)', args: ['--fast', '--max-batch', '8', '--max-delay-ms', '5'] },
    'fast-off': { name: 'libtorch-resnet --fast, batching off (max-batch 1)', args: ['--fast', '--max-batch', '1'] },
  };
  const wanted = values.servers!.split(',');
  let port = 18600;
  const servers: { key: string; name: string; argv: string[]; port: number }[] = [];
  for (const key of wanted) {
    if (key === 'ort') {
      if (values.onnx && values['ort-server'] && values['ort-dir']) {
        port++;
        servers.push({ key, name: 'onnxruntime-node + fastify (batch 1)', argv: [values['ort-server'], values.onnx, String(port), values.threads!, values['ort-dir']], port });
      }
      continue;
    }
    const c = configs[key];
    if (c === undefined) throw new Error(`--servers: unknown server '${key}' (${[...Object.keys(configs), 'ort'].join(', ')})`);
    port++;
    servers.push({
      key,
      name: c.name,
      argv: [BIN, 'serve', '--arch', values.arch!, '--weights', values.weights!, '--port', String(port), '--threads', values.threads!, '--max-queue', '256', ...c.args],
      port,
    });
  }
  // Every server is started first (one warm-up at a time); then each level runs `rounds`
  // slices per server, interleaved in ABBA order, so that a change in the machine's load
  // (other work on the shared cores) falls on every server alike.
  const children: ChildProcess[] = [];
  for (const server of servers) {
    const log: string[] = [];
    process.stdout.write(`${server.name}: starting (warm-up) ... `);
    children.push(await startServer(server.argv, server.port, log));
    process.stdout.write('ready\n');
  }
  console.log(`${rounds} interleaved slice(s) of ${seconds} s per server and level`);
  for (const c of levels) {
    const slices = new Map(servers.map((s) => [s.key, [] as Slice[]]));
    const stats = new Map(servers.map((s) => [s.key, { images: 0, forwards: 0, busy: 0 }]));
    const loads: string[] = [loadAverage()];
    for (let round = 0; round < rounds; round++) {
      // ABBA order (every other round reversed): a steady drift in load cancels out.
      for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
        const before = server.key === 'ort' ? null : await serverStats(server.port);
        slices.get(server.key)!.push(await load(`http://127.0.0.1:${server.port}/v1/predict`, image, c, seconds));
        if (before !== null) {
          const after = await serverStats(server.port);
          const t = stats.get(server.key)!;
          t.images += after.images - before.images;
          t.forwards += after.forwards - before.forwards;
          t.busy += after.busy - before.busy;
        }
        loads.push(loadAverage());
      }
    }
    console.log(`c=${c} (load average during the level: ${loads.join(' ')})`);
    for (const server of servers) {
      const result = summarize(c, slices.get(server.key)!);
      const lag = server.key === 'ort' ? { p99: NaN, max: NaN } : (await serverStats(server.port)).lag; // the onnxruntime server has no /metrics
      rows.push({ server: server.key, load: result, lag });
      // Mean images per forward, and the share of the time the forward was busy (idle time is what batching must not add).
      const t = stats.get(server.key)!;
      const batch = server.key === 'ort' ? '' : `  mean batch ${(t.images / t.forwards).toFixed(2)}, forward busy ${((100 * t.busy) / result.seconds).toFixed(0)}%`;
      console.log(
        `  ${server.key.padEnd(8)} ${result.rps.toFixed(2).padStart(7)} req/s  p50 ${result.p50.toFixed(0).padStart(6)} ms  p99 ${result.p99.toFixed(0).padStart(6)} ms  ` +
          `errors ${result.errors}  (${result.requests} ok)  event-loop lag p99 ${lag.p99.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms${batch}`,
      );
    }
  }
  for (const [i, child] of children.entries()) console.log(`${servers[i].key}: SIGTERM -> exit ${await stopServer(child)}`);
  const at = (key: string, c: number) => rows.find((r) => r.server === key && r.load.concurrency === c)?.load.rps ?? NaN;
  console.log('');
  for (const [on, off] of [['on', 'off'], ['fast-on', 'fast-off'], ['fast-on', 'off']]) {
    if (!wanted.includes(on) || !wanted.includes(off)) continue;
    const ratios = levels.map((c) => `c=${c}: ${(at(on, c) / at(off, c)).toFixed(2)}x`).join(', ');
    console.log(`${on} / ${off}: ${ratios} (target: >= 1x everywhere, >= 1.5x at c=32)`);
  }
  if (wanted.includes('on') && servers.some((s) => s.key === 'ort')) console.log(`libtorch-resnet (batching on) / onnxruntime-node at c=32: ${(at('on', 32) / at('ort', 32)).toFixed(2)}x`);
  const errors = rows.reduce((n, r) => n + r.load.errors, 0);
  const worstLag = Math.max(...rows.filter((r) => r.server !== 'ort').map((r) => r.lag.p99));
  console.log(`errors: ${errors} (target 0); worst event-loop lag p99 (libtorch-resnet): ${worstLag.toFixed(1)} ms (target < 20 ms)`);
}

await main();
