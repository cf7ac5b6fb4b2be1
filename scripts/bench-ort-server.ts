// The comparison server of scripts/bench-serve.sh: the same model exported to
// ONNX (torch.onnx.export), run by onnxruntime-node behind fastify, one image
// per run (no batching), with the same decoding and preprocessing as
// libtorch-resnet serve. Loopback only.
//
//   node dist/scripts/bench-ort-server.js MODEL.onnx PORT THREADS ORT_PACKAGE_DIR

import { createRequire } from 'node:module';
import { join } from 'node:path';

import Fastify from 'fastify';

import { decodeImage, imagenetAsync } from '../lib/transforms/index.js';

const [onnxPath, port, threads, ortDir] = process.argv.slice(2);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ort = createRequire(join(ortDir, 'package.json'))('onnxruntime-node') as any;
const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: Number(threads), interOpNumThreads: 1 });
const inputName: string = session.inputNames[0];

const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
app.addContentTypeParser(/^image\//, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.get('/readyz', async () => ({ status: 'ready' }));
app.get('/metrics', async () => '');
app.post('/v1/predict', async (request) => {
  const image = await decodeImage(request.body as Buffer);
  const x = await imagenetAsync(image);
  image.dispose();
  const data = x.toArray() as Float32Array;
  x.dispose();
  const out = await session.run({ [inputName]: new ort.Tensor('float32', data, [1, 3, 224, 224]) });
  const logits = out[session.outputNames[0]].data as Float32Array;
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return { predictions: [{ index: best, logit: logits[best] }] };
});
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ port: Number(port), host: '127.0.0.1' });
