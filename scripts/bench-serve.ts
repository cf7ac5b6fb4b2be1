// The serving benchmark (scripts/bench-serve.sh runs it): `libtorch-resnet
// serve` on loopback with micro-batching on and off, at concurrency 1, 8 and
// 32, and the same model in a minimal onnxruntime-node + fastify server for
// the ratio. Every run is bounded in time; only 127.0.0.1 is contacted.
//
//   node dist/scripts/bench-serve.js --weights W.pth [--onnx M.onnx --ort-server S.js] [--seconds 10]

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import sharp from 'sharp';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');

interface Load {
  concurrency: number;
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

/** `concurrency` clients, each posting the image back to back for `seconds`. */
async function load(url: string, body: Buffer, concurrency: number, seconds: number): Promise<Load> {
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
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { concurrency, requests: latencies.length, errors, rps: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
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

/** p99 and max event-loop delay (ms) from /metrics (measured since warm-up ended). */
async function loopLag(port: number): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (q: string): number => Number(new RegExp(`ltr_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)`).exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read('0.99'), max: read('1') };
}

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
    },
  });
  if (!values.weights) throw new Error('--weights is required');
  const seconds = Number(values.seconds);
  const image = await sharp({ create: { width: 500, height: 375, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const levels = [1, 8, 32];
  const rows: { server: string; load: Load; lag: { p99: number; max: number } }[] = [];
  const configs: { name: string; args: string[] }[] = [
    { name: 'libtorch-resnet, batching on (max-batch 8, 5 ms)', args: ['--max-batch', '8', '--max-delay-ms', '5'] },
    { name: 'libtorch-resnet, batching off (max-batch 1)', args: ['--max-batch', '1'] },
  ];
  let port = 18600;
  const servers: { name: string; argv: string[] }[] = configs.map((c) => ({
    name: c.name,
    argv: [BIN, 'serve', '--arch', values.arch!, '--weights', values.weights!, '--port', String(++port), '--threads', values.threads!, '--max-queue', '256', ...c.args],
  }));
  const ports = servers.map((_, i) => 18601 + i);
  if (values.onnx && values['ort-server'] && values['ort-dir']) {
    ports.push(++port);
    servers.push({ name: 'onnxruntime-node + fastify (batch 1)', argv: [values['ort-server'], values.onnx, String(port), values.threads!, values['ort-dir']] });
  }
  for (const [i, server] of servers.entries()) {
    const serverPort = ports[i];
    const log: string[] = [];
    process.stdout.write(`${server.name}: starting (warm-up) ... `);
    const child = await startServer(server.argv, serverPort, log);
    process.stdout.write('ready\n');
    for (const c of levels) {
      const result = await load(`http://127.0.0.1:${serverPort}/v1/predict`, image, c, seconds);
      const lag = await loopLag(serverPort);
      rows.push({ server: server.name, load: result, lag });
      console.log(
        `  c=${String(c).padStart(2)}  ${result.rps.toFixed(2).padStart(7)} req/s  p50 ${result.p50.toFixed(0).padStart(6)} ms  p99 ${result.p99.toFixed(0).padStart(6)} ms  ` +
          `errors ${result.errors}  (${result.requests} ok)  event-loop lag p99 ${lag.p99.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms`,
      );
    }
    const code = await stopServer(child);
    console.log(`  SIGTERM -> exit ${code}`);
  }
  const at = (name: string, c: number) => rows.find((r) => r.server === name && r.load.concurrency === c)?.load.rps ?? NaN;
  const on = at(servers[0].name, 32);
  const off = at(servers[1].name, 32);
  console.log(`\nbatching on / off at c=32: ${(on / off).toFixed(2)}x (target >= 1.5x)`);
  if (servers.length > 2) console.log(`libtorch-resnet (batching on) / onnxruntime-node at c=32: ${(on / at(servers[2].name, 32)).toFixed(2)}x`);
  const errors = rows.reduce((n, r) => n + r.load.errors, 0);
  const worstLag = Math.max(...rows.filter((r) => !r.server.startsWith('onnx')).map((r) => r.lag.p99));
  console.log(`errors: ${errors} (target 0); worst event-loop lag p99 (libtorch-resnet): ${worstLag.toFixed(1)} ms (target < 20 ms)`);
}

await main();
