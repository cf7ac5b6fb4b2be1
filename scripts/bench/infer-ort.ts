// onnxruntime-node's side of `npm run bench`: the Python reference's ONNX export of the same
// weights, one InferenceSession (graph optimizations at their default, 'all'), intra-op threads as
// asked, one inter-op thread. onnxruntime-node lives in an ignored cache folder (BENCH_ORT_DIR,
// installed by scripts/bench/ort.sh), never a dependency. See job.ts for the protocol.
//   node dist/scripts/bench/infer-ort.js '{"weights":"resnet18-224.onnx",...}'

import { createRequire } from 'node:module';
import { join } from 'node:path';

import { finish, type InferJob, timeCalls } from './job.js';
import { readNpy, writeNpy } from './npy.js';

const t0 = performance.now();
const ortDir = process.env.BENCH_ORT_DIR;
if (!ortDir) throw new Error('infer-ort.ts: BENCH_ORT_DIR (the folder holding node_modules/onnxruntime-node) is not set');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ort = createRequire(join(ortDir, 'package.json'))('onnxruntime-node') as any;
const importMs = performance.now() - t0;

const job = JSON.parse(process.argv[2]) as InferJob;
const session = await ort.InferenceSession.create(job.weights, { intraOpNumThreads: job.threads, interOpNumThreads: 1 });
const x = readNpy(job.input);
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
const outputName: string = session.outputNames[0];
const call = async () => (await session.run(feeds))[outputName];

if (job.cold) {
  await call();
  console.log('FIRST');
  finish({ import_ms: importMs });
} else {
  const { ms, last } = await timeCalls(job, call, (y) => y.dispose?.());
  if (job.out) writeNpy(job.out, { shape: last.dims as number[], data: last.data as Float32Array });
  finish({ import_ms: importMs }, ms);
}
