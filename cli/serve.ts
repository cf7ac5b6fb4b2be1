// `libtorch-resnet serve`: the image classification server (lib/serve) from the command line.

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import * as torch from '../lib/index.js';
import { createServer } from '../lib/serve/index.js';
import { loadClassifier, positiveInteger } from './classifier.js';
import { UsageError } from './models.js';

export const SERVE_USAGE = `usage: libtorch-resnet serve --arch NAME --weights FILE [options]

  POST /v1/predict (image body, or JSON {"image": "<base64>"}) -> top-k JSON;
  GET /healthz, /readyz, /metrics (Prometheus). SIGTERM/SIGINT: stop accepting,
  finish in-flight requests, exit 0.

  --port N            default 8080 (0: any free port; the log says which)
  --host H            default 127.0.0.1
  --max-batch B       images per forward, default 8 (1: no micro-batching)
  --max-delay-ms D    how long a batch waits for requests arriving within D ms of its first
                      (awaited while they decode, for at most D ms more), default 5
  --max-queue Q       requests admitted at once before 503, default 64
  --timeout-ms T      per-request timeout (504), default 30000
  --body-limit BYTES  default 10485760 (413 beyond)
  --topk K            default 5
  --device D          cpu (default) or cuda[:N]
  --threads N         intra-op threads of the forward (default: cores - 1, at least 1: the
                      event loop and image decoding keep a core, rather than taking turns
                      with the forward's threads at every parallel region)
  --resize-size N / --crop-size N   preprocessing sizes, default 256 / 224
  --fast              torch.optimizeForInference, one module for every batch size (BatchNorm
                      folded, oneDNN prepacked; CPU only): faster, not bit-exact with the plain forward`;

export async function serveCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        arch: { type: 'string' },
        weights: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'max-batch': { type: 'string' },
        'max-delay-ms': { type: 'string' },
        'max-queue': { type: 'string' },
        'timeout-ms': { type: 'string' },
        'body-limit': { type: 'string' },
        topk: { type: 'string' },
        device: { type: 'string' },
        threads: { type: 'string' },
        'resize-size': { type: 'string' },
        'crop-size': { type: 'string' },
        fast: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${SERVE_USAGE}`);
  }
  if (!values.arch || !values.weights) throw new UsageError(`--arch and --weights are required\n${SERVE_USAGE}`);
  torch.setNumThreads(positiveInteger('--threads', values.threads, Math.max(1, availableParallelism() - 1)));
  const options = {
    maxBatch: positiveInteger('--max-batch', values['max-batch'], 8),
    maxDelayMs: positiveInteger('--max-delay-ms', values['max-delay-ms'], 5, 0),
    maxQueue: positiveInteger('--max-queue', values['max-queue'], 64),
    timeoutMs: positiveInteger('--timeout-ms', values['timeout-ms'], 30_000),
    bodyLimit: positiveInteger('--body-limit', values['body-limit'], 10 * 1024 * 1024),
    topk: positiveInteger('--topk', values.topk, 5),
    device: values.device ?? 'cpu',
    fast: values.fast ?? false,
    preprocess: { resizeSize: positiveInteger('--resize-size', values['resize-size'], 256), cropSize: positiveInteger('--crop-size', values['crop-size'], 224) },
  };
  const port = positiveInteger('--port', values.port, 8080, 0);
  const { model, classes } = loadClassifier(values.arch, values.weights);
  const app = createServer({ model, classes, ...options });
  let stopping: Promise<void> | null = null;
  const stop = (signal: string): void => {
    if (stopping !== null) return;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    stopping = app.close().then(() => app.log.info('stopped'));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await app.listen({ port, host: values.host ?? '127.0.0.1' });
  await new Promise<void>((resolve) => app.server.once('close', () => resolve()));
  await stopping;
  return 0;
}
