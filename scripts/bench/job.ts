// The protocol between scripts/bench/main.ts and its workers (infer.ts, infer-ort.ts and
// infer.py, which follows the same fields): one JSON argument in, one JSON line out.
// Kept free of the library so the ORT worker never loads libtorch.

export interface InferJob {
  /** infer.ts: 'exact' | 'fast'; infer.py: 'eager' | 'frozen'; infer-ort.ts ignores it. */
  mode: string;
  arch: string;
  /** resnet18.pth / resnet50.pth (infer.ts, infer.py) or the .onnx export (infer-ort.ts). */
  weights: string;
  /** x-bB-sS.npy, float32 NCHW. */
  input: string;
  threads: number;
  warmup: number;
  minIters: number;
  maxIters: number;
  budgetMs: number;
  /** Where to save the last output (.npy), for the bit-equality check. */
  out?: string;
  /** Cold start: print FIRST as soon as the first output exists, then exit. */
  cold?: boolean;
}

export interface InferResult {
  ms?: number[];
  median_ms?: number;
  maxrss_mb?: number;
  import_ms?: number;
  /** Set when the contender does not exist in this build (fast mode before optimizeForInference). */
  na?: string;
  /** This library's libtorch version (infer.ts). */
  libtorch?: string;
  /** PyTorch's version (infer.py). */
  torch?: string;
}

/**
 * The timing loop every worker runs: `warmup` untimed calls, then at least `minIters` and at most
 * `maxIters` timed calls, stopping once `budgetMs` has passed. Every output but the last is handed
 * to `release` (outside the timed span); the last is returned for the output check.
 */
export async function timeCalls<T>(job: InferJob, call: () => T | Promise<T>, release: (out: T) => void): Promise<{ ms: number[]; last: T }> {
  for (let i = 0; i < job.warmup; i++) release(await call());
  const ms: number[] = [];
  const start = performance.now();
  let last: T | undefined;
  while (ms.length < job.maxIters && (ms.length < job.minIters || performance.now() - start < job.budgetMs)) {
    if (last !== undefined) release(last);
    const t = performance.now();
    last = await call();
    ms.push(performance.now() - t);
  }
  return { ms, last: last as T };
}

export function finish(result: InferResult, ms?: number[]): void {
  if (ms) {
    result.ms = ms;
    result.median_ms = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  }
  result.maxrss_mb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(result));
}
