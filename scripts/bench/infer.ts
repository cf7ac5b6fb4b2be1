// This library's side of `npm run bench`: the exact path (model.forward under noGrad) or the fast
// mode (optimizeForInference, when this build exports it). See job.ts for the protocol.
//   node dist/scripts/bench/infer.js '{"mode":"exact",...}'

import { finish, type InferJob, timeCalls } from './job.js';

const t0 = performance.now();
const torch = await import('../../lib/index.js');
const { ARCHITECTURES } = await import('../../cli/models.js');
const importMs = performance.now() - t0;

const job = JSON.parse(process.argv[2]) as InferJob;
type Forward = (x: InstanceType<typeof torch.Tensor>) => InstanceType<typeof torch.Tensor>;
// Not on every branch yet: looked up, not imported, so this file builds either way.
const optimizeForInference = (torch as unknown as Record<string, unknown>).optimizeForInference as
  | ((model: unknown, options: { example: unknown }) => { forward: Forward } | Promise<{ forward: Forward }>)
  | undefined;
if (job.mode === 'fast' && typeof optimizeForInference !== 'function') {
  finish({ na: 'not in this build' });
  process.exit(0);
}
if (job.mode !== 'exact' && job.mode !== 'fast') throw new Error(`infer.ts: unknown mode '${job.mode}'`);

torch.setNumThreads(job.threads);
const model = ARCHITECTURES[job.arch]({});
const sd = torch.load(job.weights);
model.loadStateDict(sd);
for (const t of Object.values(sd)) t.dispose();
model.eval();
const x = torch.loadNpy(job.input);
let forward: Forward = (input) => model.forward(input) as InstanceType<typeof torch.Tensor>;
if (job.mode === 'fast') {
  const fast = await optimizeForInference!(model, { example: x });
  forward = (input) => fast.forward(input);
}
const call = () => torch.noGrad(() => forward(x));

if (job.cold) {
  call();
  console.log('FIRST');
  finish({ import_ms: importMs, libtorch: torch.versions().libtorch });
} else {
  const { ms, last } = await timeCalls(job, call, (y) => y.dispose());
  if (job.out) torch.saveNpy(job.out, last);
  finish({ import_ms: importMs, libtorch: torch.versions().libtorch }, ms);
}
