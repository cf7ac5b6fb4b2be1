// One soak run (scripts/soak.sh runs each mode in its own process, so the
// RSS figures do not mix): N resnet18 forwards of a [1, 3, S, S] input,
// printing RSS every `every` forwards and the growth after warm-up.
//
//   node dist/scripts/soak.js MODE [N] [SIZE] [EVERY] [WARMUP]
//   MODE: tidy   synchronous, each forward inside tidy(noGrad(...)), result disposed
//         gc     synchronous, nothing disposed: only the GC backstop frees tensors
//         async  await model.forwardAsync(x) (skipped when the model has none), result disposed
import * as torch from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';

const [mode = 'tidy', nArg = '5000', sizeArg = '224', everyArg = '500', warmArg] = process.argv.slice(2);
const n = Number(nArg);
const size = Number(sizeArg);
const every = Number(everyArg);
const warmup = Number(warmArg ?? every * 2);

const model = resnet18();
model.eval();
const x = torch.keep(torch.randn([1, 3, size, size]));
const forwardAsync = (model as unknown as { forwardAsync?: (input: torch.Tensor) => Promise<torch.Tensor> }).forwardAsync;
if (mode === 'async' && typeof forwardAsync !== 'function') {
  console.log('async: skipped (model.forwardAsync is not available in this build)');
  process.exit(0);
}

const mb = (): number => process.memoryUsage().rss / 2 ** 20;
let atWarmup = 0;
// The highest sample after warm-up: garbage V8 has not collected yet shows as peaks, a leak as a trend.
let peakAfterWarmup = 0;
const started = Date.now();
console.log(`${mode}: ${n} resnet18 forwards at ${size}x${size}, batch 1, ${torch.getNumThreads()} thread(s)`);
for (let i = 1; i <= n; i++) {
  if (mode === 'tidy') {
    torch.tidy(() => torch.noGrad(() => model.forward(x) as torch.Tensor)).dispose();
  } else if (mode === 'gc') {
    torch.noGrad(() => model.forward(x));
  } else if (mode === 'async') {
    (await forwardAsync!.call(model, x)).dispose();
  } else {
    throw new Error(`unknown mode '${mode}' (tidy | gc | async)`);
  }
  if (i % every === 0) {
    const rss = mb();
    if (i === warmup) atWarmup = rss;
    if (i >= warmup) peakAfterWarmup = Math.max(peakAfterWarmup, rss);
    const ext = process.memoryUsage().external / 2 ** 20;
    console.log(`${mode} ${String(i).padStart(6)}  rss ${rss.toFixed(1)} MB  external ${ext.toFixed(1)} MB  ${((Date.now() - started) / i).toFixed(1)} ms/forward`);
  }
}
const end = mb();
if (atWarmup > 0) {
  const growth = (100 * (end - atWarmup)) / atWarmup;
  console.log(
    `${mode}: RSS after warm-up (${warmup}) ${atWarmup.toFixed(1)} MB, at the end ${end.toFixed(1)} MB, growth ${growth.toFixed(2)}% (target < 5%); ` +
      `highest sample after warm-up ${peakAfterWarmup.toFixed(1)} MB`,
  );
  console.log(`RESULT ${JSON.stringify({ mode, n, size, warmupMB: atWarmup, endMB: end, growthPercent: growth, peakAfterWarmupMB: peakAfterWarmup })}`);
}
