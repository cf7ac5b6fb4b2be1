// libtorch-resnet/serve: an image classification server on fastify.
//
//   import { createServer } from 'libtorch-resnet/serve';
//   const app = createServer({ model: resnet50().eval(), classes: IMAGENET_CLASSES });
//   await app.listen({ port: 8080 });
//
// A request's image is decoded (sharp) and preprocessed (torchvision's
// ImageNet transforms) on libuv's pool; requests that arrive within
// maxDelayMs of a batch's first one are stacked into one forward of up to
// maxBatch images, counted from arrival so that a request still being decoded
// is awaited (batcher.ts). The stack, the copy to the device, the forward and
// the softmax run in one forwardAsync call (a plan per batch size, all traced
// at start-up), so the event loop only routes requests and reads results.
// With `fast`, one torch.optimizeForInference module (dynamicBatch) runs every batch instead.

import { monitorEventLoopDelay } from 'node:perf_hooks';

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';

import { noGrad } from '../autograd.js';
import { native } from '../native.js';
import { type InferenceModule, optimizeForInference } from '../inference.js';
import { Module } from '../nn/module.js';
import { stack } from '../ops.js';
import { Tensor, unwrap, zeros } from '../tensor.js';
import { decodeImage, ImageDecodeError, loadDecoder } from '../transforms/image.js';
import { imagenetAsync, type ImagenetOptions } from '../transforms/index.js';
import { type BatchRunner, MicroBatcher, TimeoutError } from './batcher.js';
import { Metrics } from './metrics.js';

export { Metrics } from './metrics.js';

export interface ServerOptions {
  /** The classifier: images [N, 3, H, W] -> logits [N, classes]. It is put in eval mode. */
  model: Module;
  /** Class names by index (e.g. IMAGENET_CLASSES); default "class N". */
  classes?: readonly string[];
  /** Classes per answer (default 5; a request may ask ?topk=N up to the number of classes). */
  topk?: number;
  /** The most images stacked into one forward (default 8; 1 turns micro-batching off). */
  maxBatch?: number;
  /**
   * How long a batch waits for more requests (default 5 ms): requests arriving within maxDelayMs
   * of its first request's arrival join it, and are awaited while they are still being decoded,
   * but for at most maxDelayMs more once the batch could go. Without such requests it goes at once.
   */
  maxDelayMs?: number;
  /** Requests admitted at once (decoding, queued or running); beyond it: 503 + Retry-After (default 64). */
  maxQueue?: number;
  /** A request not answered within this many ms gets 504 (default 30 s). */
  timeoutMs?: number;
  /** Largest request body in bytes; beyond it: 413 (default 10 MiB). */
  bodyLimit?: number;
  /** 'cpu' (default) or 'cuda[:N]': the model is moved there; the batch is copied there inside the forward. */
  device?: string;
  /** Preprocessing (torchvision's ImageNet evaluation transforms by default: resize 256, crop 224). */
  preprocess?: ImagenetOptions;
  /** fastify's logger option (pino): true, false or pino options. Default true (JSON lines on stdout). */
  logger?: FastifyServerOptions['logger'];
  /** Trace every batch size 1..maxBatch on `ready` (default true: /readyz turns ready after it). */
  warmup?: boolean;
  /**
   * Serve with torch.optimizeForInference (BatchNorm folded, oneDNN weights prepacked; CPU only):
   * faster, not bit-exact with forward (outputs move by a few float32 ulps, see
   * test/fast-inference.test.ts). One optimized module, recorded at maxBatch with
   * `dynamicBatch`, runs every batch size; it is made on `ready` (whatever `warmup` says) and
   * holds one copy of the prepacked weights. Default false.
   */
  fast?: boolean;
}

/** The JSON answer of POST /v1/predict. */
export interface Prediction {
  predictions: { index: number; label: string; probability: number }[];
  /** Which forward answered: its size and this image's row in it. */
  batch: { size: number; index: number };
}

/**
 * Stacks the model's inputs into one batch, moves it to the device and
 * returns softmax probabilities: all inside forward, so that forwardAsync
 * runs all of it off the JS thread.
 */
class BatchedClassifier extends Module<Tensor[], Tensor> {
  declare model: Module;
  constructor(
    model: Module,
    readonly device: string,
  ) {
    super();
    this.registerModule('model', model);
  }
  forward(...images: Tensor[]): Tensor {
    const batch = new Tensor(native.stack(images.map(unwrap), 0));
    const x = this.device === 'cpu' ? batch : batch.to(this.device);
    const logits = this.model.forward(x) as Tensor;
    return logits.softmax(1);
  }
}

/** The model followed by a softmax: what fast mode optimizes (once, for every batch size). */
class SoftmaxClassifier extends Module<[Tensor], Tensor> {
  declare model: Module;
  constructor(model: Module) {
    super();
    this.registerModule('model', model);
  }
  forward(x: Tensor): Tensor {
    return (this.model.forward(x) as Tensor).softmax(1);
  }
}

/**
 * The k most probable classes, highest first (ties: lower index first).
 * A partial selection on the event loop: one pass keeping the best k in order
 * (sorting all 1,000 ImageNet classes per image cost ~0.7-3 ms of event-loop
 * time, eight times per batch of eight).
 */
export function topk(probs: Float32Array, k: number): { index: number; probability: number }[] {
  const n = Math.min(k, probs.length);
  const best: number[] = [];
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (best.length === n && !(p > probs[best[n - 1]])) continue;
    // Insert after every kept class with a probability >= p (earlier index wins a tie).
    let at = best.length === n ? n - 1 : best.length;
    while (at > 0 && p > probs[best[at - 1]]) at--;
    if (best.length === n) best.pop();
    best.splice(at, 0, i);
  }
  return best.map((index) => ({ index, probability: probs[index] }));
}

function positiveInt(name: string, value: number, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`createServer: ${name} must be a whole number >= ${min} but received ${String(value)}`);
  }
  return value;
}

/**
 * An image classification server: POST /v1/predict (an image body, or JSON
 * { image: base64 }) -> top-k JSON; GET /healthz, /readyz, /metrics. Returns
 * the fastify instance (not listening yet): `await app.listen({ port })`.
 * Warm-up (tracing each batch size) runs on `app.ready()`; /readyz answers
 * 200 after it. `app.close()` stops accepting and finishes in-flight requests.
 */
export function createServer(options: ServerOptions): FastifyInstance {
  if (!(options?.model instanceof Module)) throw new TypeError('createServer: expected an nn.Module for model');
  const maxBatch = positiveInt('maxBatch', options.maxBatch ?? 8);
  const maxDelayMs = positiveInt('maxDelayMs', options.maxDelayMs ?? 5, 0);
  const maxQueue = positiveInt('maxQueue', options.maxQueue ?? 64);
  const timeoutMs = positiveInt('timeoutMs', options.timeoutMs ?? 30_000);
  const defaultTopk = positiveInt('topk', options.topk ?? 5);
  const device = options.device ?? 'cpu';
  const preprocess = options.preprocess ?? {};
  const cropSize = preprocess.cropSize ?? 224;

  const fast = options.fast ?? false;
  if (typeof fast !== 'boolean') throw new TypeError(`createServer: fast must be a boolean but received ${typeof fast}`);
  if (fast && device !== 'cpu') throw new RangeError(`createServer: fast mode (oneDNN) runs on the CPU only, but device is '${device}'`);

  const model = options.model.eval();
  if (device !== 'cpu') model.to(device);
  const batched = new BatchedClassifier(model, device).eval();
  // Fast mode: one optimized module for every batch size (made on ready); the stack runs on the
  // JS thread there (< 1 ms for 8 crops of 224), the rest on libuv's pool.
  let optimized: InferenceModule | undefined;
  const run: BatchRunner = fast
    ? async (inputs) => {
        const batch = stack(inputs);
        try {
          return await optimized!.forwardAsync(batch);
        } finally {
          batch.dispose(); // the worker holds its own reference
        }
      }
    : (inputs) => noGrad(() => batched.forwardAsync(...inputs));
  const metrics = new Metrics();
  const batcher = new MicroBatcher(run, {
    maxBatch,
    maxDelayMs,
    onBatch: (size, seconds) => metrics.observeBatch(size, seconds),
    onError: () => metrics.countError('inference'),
  });
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  metrics.eventLoopDelay = loopDelay;

  /** The model's number of classes, once known. */
  let classCount: number | undefined = options.classes?.length;
  let ready = false;
  let closing = false;
  let admitted = 0;
  metrics.queueDepth = () => admitted;

  const app = Fastify({ logger: options.logger ?? true, bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024 });
  const raw = (_req: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void): void => done(null, body);
  app.addContentTypeParser(/^image\//, { parseAs: 'buffer' }, raw);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, raw);
  // Only images and JSON are accepted: anything else is 415 (fastify's answer for an unknown type).
  app.removeContentTypeParser('text/plain');

  app.addHook('onReady', async () => {
    await loadDecoder();
    if (fast) {
      const started = performance.now();
      // Recorded at the largest batch, the size the server runs under load; dynamicBatch
      // checks that the model did not fix the batch size, so smaller batches run it too.
      const example = zeros([maxBatch, 3, cropSize, cropSize]);
      try {
        optimized = optimizeForInference(new SoftmaxClassifier(model).eval(), { example, dynamicBatch: true });
      } finally {
        example.dispose();
      }
      const { backend, backendReason } = optimized;
      app.log.info({ maxBatch, backend, ...(backendReason && { backendReason }), seconds: (performance.now() - started) / 1000 }, 'fast mode: model optimized');
    } else if (options.warmup !== false) {
      const started = performance.now();
      const calls = Array.from({ length: maxBatch }, (_, n) => Array.from({ length: n + 1 }, () => [3, cropSize, cropSize]));
      noGrad(() => batched.warmup(calls));
      app.log.info({ batchSizes: maxBatch, seconds: (performance.now() - started) / 1000 }, 'warm-up done: every batch size traced');
    }
    loopDelay.reset(); // the lag metric covers serving, not the (blocking) warm-up
    ready = true;
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  // While closing, each answer also closes its keep-alive connection, so that
  // close() ends as soon as the in-flight requests are answered.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('Connection', 'close');
    return payload;
  });
  app.addHook('onClose', async () => {
    loopDelay.disable();
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === '/v1/predict') {
      metrics.observeRequest(reply.statusCode, reply.elapsedTime / 1000);
    }
  });

  const fail = (reply: FastifyReply, code: number, reason: string, message: string): FastifyReply => {
    metrics.countError(reason);
    return reply.code(code).send({ error: reason, message });
  };

  app.post('/v1/predict', async (request, reply) => {
    if (closing) return fail(reply, 503, 'shutting_down', 'the server is shutting down');
    if (admitted >= maxQueue) {
      reply.header('Retry-After', '1');
      return fail(reply, 503, 'queue_full', `the queue is full (${maxQueue} requests)`);
    }
    const query = request.query as { topk?: string };
    const k = query.topk === undefined ? defaultTopk : Number(query.topk);
    // Checked before the image costs a decode and a place in a batch; the upper bound once the
    // number of classes is known (from options.classes or the first answer).
    if (!Number.isInteger(k) || k < 1 || (classCount !== undefined && k > classCount)) {
      return fail(reply, 400, 'bad_request', `topk must be a whole number from 1 to ${classCount ?? 'the number of classes'}`);
    }
    let bytes: Buffer;
    if (Buffer.isBuffer(request.body)) {
      bytes = request.body;
    } else if (request.body !== null && typeof request.body === 'object' && typeof (request.body as { image?: unknown }).image === 'string') {
      bytes = Buffer.from((request.body as { image: string }).image, 'base64');
    } else {
      return fail(reply, 400, 'bad_request', 'send an image body (image/jpeg, image/png, image/webp, ...) or JSON {"image": "<base64>"}');
    }
    admitted++;
    // The request counts toward a batch from now, while it is decoded (see batcher.ts).
    const ticket = batcher.expect();
    try {
      let input: Tensor;
      try {
        const image = await decodeImage(bytes);
        try {
          input = await imagenetAsync(image, preprocess);
        } finally {
          image.dispose();
        }
      } catch (error) {
        ticket.withdraw();
        if (error instanceof ImageDecodeError) return fail(reply, 400, 'bad_image', error.message);
        throw error;
      }
      const answer = await ticket.submit(input, timeoutMs);
      const classes = answer.output.length / answer.size;
      classCount = classes;
      if (k > classes) {
        return fail(reply, 400, 'bad_request', `topk must be a whole number from 1 to ${classes}`);
      }
      const probs = answer.output.subarray(answer.index * classes, (answer.index + 1) * classes);
      const body: Prediction = {
        predictions: topk(probs, k).map((p) => ({ ...p, label: options.classes?.[p.index] ?? `class ${p.index}` })),
        batch: { size: answer.size, index: answer.index },
      };
      return body;
    } catch (error) {
      if (error instanceof TimeoutError) return fail(reply, 504, 'timeout', error.message);
      request.log.error({ err: error }, 'prediction failed');
      return fail(reply, 500, 'internal', (error as Error).message);
    } finally {
      admitted--;
    }
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!ready || closing) return reply.code(503).send({ status: closing ? 'shutting down' : 'warming up' });
    return { status: 'ready' };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return metrics.render(batcher.queued, batcher.preparing);
  });
  return app;
}
