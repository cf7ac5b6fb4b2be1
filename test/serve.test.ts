// The inference server: HTTP errors (400/413/415/503/504), micro-batching
// bit-exactness, health, metrics, and a graceful SIGTERM drain in a real
// child process. A small resnet18 (10 classes, 32x32 crops) keeps it fast.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { createServer, type Prediction, topk } from '../lib/serve/index.js';
import { decodeImage, imagenetAsync } from '../lib/transforms/index.js';
import { resnet18 } from '../resnet/index.js';
import { FIXTURES, ROOT } from './setup/fixtures.js';

const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const IMAGES = ['img_101x37', 'img_257x255', 'img_333x500', 'img_480x359'].map((n) => readFileSync(join(FIXTURES, 'transforms', `${n}.png`)));
const PREPROCESS = { resizeSize: 40, cropSize: 32 };
const tmp = mkdtempSync(join(tmpdir(), 'ltr-serve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function model(): torch.nn.Module {
  torch.manualSeed(0);
  return resnet18({ numClasses: 10 });
}

function server(options: Partial<Parameters<typeof createServer>[0]> = {}) {
  return createServer({ model: model(), logger: false, preprocess: PREPROCESS, maxBatch: 4, ...options });
}

const png = (body: Buffer) => ({ method: 'POST' as const, url: '/v1/predict', headers: { 'content-type': 'image/png' }, body });

describe('topk', () => {
  it('equals a full sort (highest first, ties to the lower index) for every k, with ties, zeros and a short row', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rows = [
      Float32Array.from({ length: 1000 }, random),
      // Many ties: 10 distinct values.
      Float32Array.from({ length: 1000 }, () => Math.floor(random() * 10) / 10),
      new Float32Array(50),
      Float32Array.from([0.2, 0.5, 0.5, 0.1]),
    ];
    for (const row of rows) {
      const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b);
      for (const k of [1, 2, 3, 5, 10, 50, row.length, row.length + 3]) {
        expect(topk(row, k)).toEqual(order.slice(0, k).map((index) => ({ index, probability: row[index] })));
      }
    }
  });
});

describe('POST /v1/predict errors', () => {
  const app = server({ bodyLimit: 1024 * 1024 });
  beforeAll(() => app.ready());
  afterAll(() => app.close());

  it.each([
    ['not an image, as image/png', png(Buffer.from('definitely not a png')), 400, 'bad_image'],
    ['a truncated PNG', png(IMAGES[0].subarray(0, 200)), 400, 'bad_image'],
    ['JSON without an image', { method: 'POST' as const, url: '/v1/predict', payload: { picture: 'x' } }, 400, 'bad_request'],
    ['JSON with base64 that is not an image', { method: 'POST' as const, url: '/v1/predict', payload: { image: 'aGVsbG8=' } }, 400, 'bad_image'],
    ['a text body', { method: 'POST' as const, url: '/v1/predict', headers: { 'content-type': 'text/plain' }, body: 'hello' }, 415, null],
    ['a body over the limit', png(Buffer.alloc(2 * 1024 * 1024, 1)), 413, null],
  ])('%s -> %i', async (_name, request, status, reason) => {
    const res = await app.inject(request);
    expect(res.statusCode).toBe(status);
    if (reason !== null) expect(res.json().error).toBe(reason);
  });

  it('a bad ?topk is 400, before any forward once the classes are known', async () => {
    const forwards = async () => Number(/^ltr_batch_size_count (\d+)$/m.exec((await app.inject({ url: '/metrics' })).body)?.[1]);
    const before = await forwards();
    for (const bad of ['0', '-1', '2.5', 'abc']) {
      const res = await app.inject({ ...png(IMAGES[0]), url: `/v1/predict?topk=${bad}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/^topk must be a whole number from 1 to (10|the number of classes)$/);
    }
    expect(await forwards()).toBe(before);
    // Too many classes: known only from a first answer (the model has 10).
    const res = await app.inject({ ...png(IMAGES[0]), url: '/v1/predict?topk=11' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('topk must be a whole number from 1 to 10');
    const after = await forwards();
    expect((await app.inject({ ...png(IMAGES[0]), url: '/v1/predict?topk=11' })).json().message).toBe('topk must be a whole number from 1 to 10');
    expect(await forwards()).toBe(after);
  });

  it('answers an image body and a JSON base64 body alike; errors show in /metrics', async () => {
    const a = await app.inject(png(IMAGES[1]));
    const b = await app.inject({ method: 'POST', url: '/v1/predict?topk=3', payload: { image: IMAGES[1].toString('base64') } });
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect((a.json() as Prediction).predictions.slice(0, 3)).toEqual((b.json() as Prediction).predictions);
    expect(a.json().predictions[0].label).toMatch(/^class \d$/);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^ltr_errors_total\{reason="bad_image"\} [1-9]/m);
    expect(metrics).toMatch(/^ltr_requests_total\{code="200"\} 2$/m);
    expect(metrics).toMatch(/^ltr_batch_size_count [1-9]/m);
    expect(metrics).toMatch(/^ltr_request_duration_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(metrics).toMatch(/^ltr_queue_depth 0$/m);
    // Bad images withdrew from the batcher: no batch waits for them.
    expect(metrics).toMatch(/^ltr_preprocessing 0$/m);
    expect(metrics).toMatch(/^ltr_event_loop_delay_seconds\{quantile="0.99"\} /m);
  });
});

describe('queue and timeouts', () => {
  it('a full queue answers 503 with Retry-After', async () => {
    // Two admitted requests sit in the batcher for 2 s, so all later ones find the queue full.
    const app = server({ maxQueue: 2, maxBatch: 8, maxDelayMs: 2000 });
    await app.ready();
    const responses = await Promise.all(Array.from({ length: 10 }, () => app.inject(png(IMAGES[0]))));
    const codes = responses.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 200, 503, 503, 503, 503, 503, 503, 503, 503]);
    for (const r of responses.filter((r) => r.statusCode === 503)) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.json().error).toBe('queue_full');
    }
    await app.close();
  });

  it('a request not answered in time gets 504', async () => {
    const app = server({ maxBatch: 8, maxDelayMs: 1000, timeoutMs: 100 });
    await app.ready();
    const res = await app.inject(png(IMAGES[0]));
    expect(res.statusCode).toBe(504);
    expect(res.json()).toEqual({ error: 'timeout', message: 'no answer within 100 ms' });
    await app.close();
  });

  it('/readyz turns ready after warm-up; /healthz is always ok', async () => {
    const app = server();
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    await app.ready();
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    await app.close();
  });
});

/**
 * The four test images sent at once to a server batching up to 4 (top-10 answers), checked to
 * have gone as one batch; with each image preprocessed as the server does (`inputs`, in request
 * order) and put in the batch's order (`order`).
 */
async function oneBatchOfFour(options: { fast?: boolean }): Promise<{ answers: Prediction[]; inputs: Tensor[]; order: Tensor[] }> {
  const app = server({ maxBatch: 4, maxDelayMs: 500, topk: 10, ...options });
  await app.ready();
  const answers = (await Promise.all(IMAGES.map((body) => app.inject(png(body))))).map((r) => r.json() as Prediction);
  await app.close();
  expect(answers.map((a) => a.batch.size)).toEqual([4, 4, 4, 4]);
  const inputs: Tensor[] = [];
  for (const body of IMAGES) inputs.push(await imagenetAsync(await decodeImage(body), PREPROCESS));
  const order = new Array<Tensor>(4);
  answers.forEach((a, i) => (order[a.batch.index] = inputs[i]));
  return { answers, inputs, order };
}

describe('micro-batching', () => {
  it('answers equal the same images run as one batch directly, bit for bit', async () => {
    const { answers, inputs, order } = await oneBatchOfFour({});

    // The same preprocessing and a direct forward of the batch in the server's order.
    const net = model().eval();
    const probs = torch.tidy(() => torch.noGrad(() => (net.forward(torch.cat(order.map((x) => x.unsqueeze(0)), 0)) as Tensor).softmax(1)));
    const data = probs.toArray() as Float32Array;
    answers.forEach((a) => {
      const row = data.subarray(a.batch.index * 10, (a.batch.index + 1) * 10);
      expect(a.predictions.map(({ index, probability }) => ({ index, probability }))).toEqual(topk(row, 10));
    });

    // Against batch-1 forwards the answers are not bit-equal: libtorch picks
    // conv algorithms by batch size. The bound: float32 rounding, here < 1e-6.
    let worst = 0;
    answers.forEach((a, i) => {
      const single = torch.tidy(() => torch.noGrad(() => (net.forward(inputs[i].unsqueeze(0)) as Tensor).softmax(1)).toArray() as Float32Array);
      for (const p of a.predictions) worst = Math.max(worst, Math.abs(p.probability - single[p.index]));
    });
    console.log(`micro-batched vs batch-1 probabilities: max |difference| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-6);
  });
});

/** The model followed by a softmax, as the fast server optimizes it. */
class Head extends torch.nn.Module<[Tensor], Tensor> {
  constructor(readonly net: torch.nn.Module) {
    super();
  }
  forward(x: Tensor): Tensor {
    return (this.net.forward(x) as Tensor).softmax(1);
  }
}

describe('fast mode', () => {
  it('answers equal the optimized module run on the same batch directly, bit for bit, and the exact forward within the bound', async () => {
    const { answers, order } = await oneBatchOfFour({ fast: true });

    const net = model().eval();
    const batch = torch.stack(order, 0);
    const fast = torch.optimizeForInference(new Head(net).eval(), { example: batch });
    const direct = fast.forward(batch).toArray() as Float32Array;
    const exact = torch.tidy(() => torch.noGrad(() => (net.forward(batch) as Tensor).softmax(1)).toArray() as Float32Array);
    // Not bit-exact with the plain forward (BatchNorm folded, oneDNN's summation order): the
    // probabilities move by a few float32 ulps; 1e-5 leaves room and still catches a wrong model.
    let worst = 0;
    answers.forEach((a) => {
      const row = direct.subarray(a.batch.index * 10, (a.batch.index + 1) * 10);
      expect(a.predictions.map(({ index, probability }) => ({ index, probability }))).toEqual(topk(row, 10));
      for (const p of a.predictions) worst = Math.max(worst, Math.abs(p.probability - exact[a.batch.index * 10 + p.index]));
    });
    console.log(`fast vs exact probabilities: max |difference| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });

  it('one module, recorded at maxBatch, answers a smaller batch as that module run on it directly', async () => {
    const app = server({ maxBatch: 4, maxDelayMs: 0, topk: 10, fast: true });
    await app.ready();
    const answer = (await app.inject(png(IMAGES[1]))).json() as Prediction;
    await app.close();
    expect(answer.batch.size).toBe(1);
    const input = await imagenetAsync(await decodeImage(IMAGES[1]), PREPROCESS);
    const head = new Head(model()).eval();
    const shared = torch.optimizeForInference(head, { example: torch.zeros([4, 3, 32, 32]), dynamicBatch: true });
    const direct = shared.forward(input.unsqueeze(0)).toArray() as Float32Array;
    expect(answer.predictions.map(({ index, probability }) => ({ index, probability }))).toEqual(topk(direct, 10));
  });

  it('rejects a non-boolean fast and fast on another device', () => {
    expect(() => server({ fast: 'yes' as never })).toThrow(new TypeError('createServer: fast must be a boolean but received string'));
    expect(() => server({ fast: true, device: 'cuda' })).toThrow(new RangeError("createServer: fast mode (oneDNN) runs on the CPU only, but device is 'cuda'"));
  });
});

describe('serve CLI', () => {
  it('drains in-flight requests on SIGTERM and exits 0', async () => {
    const weights = join(tmp, 'r18.safetensors');
    torch.save(weights, model().stateDict());
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--arch', 'resnet18', '--weights', weights, '--port', '0', '--max-batch', '4', '--max-delay-ms', '1500', '--resize-size', '40', '--crop-size', '32', '--threads', '1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
        if (m) {
          clearInterval(timer);
          resolve(m[1]);
        }
      }, 50);
      void exited.then(() => reject(new Error(`server exited early:\n${log}`)));
    });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // Three requests wait up to 1.5 s for a fourth; SIGTERM arrives meanwhile.
    const inFlight = IMAGES.slice(0, 3).map((body) =>
      fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as Prediction })),
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(results.map((r) => r.body.batch.size)).toEqual([3, 3, 3]);
    expect(await exited).toBe(0);
    expect(log).toContain('shutting down: finishing in-flight requests');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
