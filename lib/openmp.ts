// OpenMP's wait policy, chosen before libtorch starts its thread pool.
//
// Debian's libtorch, its oneDNN and OpenBLAS all run on GNU OpenMP (libgomp),
// which reads OMP_WAIT_POLICY and GOMP_SPINCOUNT once, when it is loaded with
// the addon. By default a thread that reaches a barrier or waits for work
// spins 300,000 times (milliseconds) before sleeping. On a quiet machine that
// saves a wake-up per parallel region; with another busy process on the
// machine the spinning threads take the cores the working thread needs, and a
// 2-thread resnet18 forward went from 26 ms to 950 ms. OMP_WAIT_POLICY=passive
// (never spin) cured that but cost 33% on a quiet machine. A short spin
// (1,000, ~10-40 us: what libgomp itself uses when it has more threads than
// cores) still catches back-to-back parallel regions without a futex wake-up,
// and bounds what a waiting thread burns when it loses its core. Measured on
// the shared 2-core machine under load (resnet18 batch 1, 2 threads, median of
// 30 forwards): 300,000 spins 1,416-2,095 ms, 10,000 455-472 ms, 1,000 112-114 ms,
// passive 99-181 ms (two interleaved rounds).
//
// Applied only when the user has set neither variable; pip's libtorch bundles
// its own libgomp, which reads the same variables.

/** The spin count set when the user has not chosen a wait policy. */
export const DEFAULT_GOMP_SPINCOUNT = '1000';

/** Sets libgomp's spin count in `env` (process.env) unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is already set. */
export function applyOpenMPDefaults(env: NodeJS.ProcessEnv = process.env): void {
  if (env.OMP_WAIT_POLICY === undefined && env.GOMP_SPINCOUNT === undefined) env.GOMP_SPINCOUNT = DEFAULT_GOMP_SPINCOUNT;
}
