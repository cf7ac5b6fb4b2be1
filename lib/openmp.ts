// OpenMP's spin-waiting under a busy machine: the JS face of native/openmp_wait.cc, which
// explains the policy (long spins while the machine is quiet, libgomp's short "throttled" spin
// while other processes take the CPUs our threads need, switched at run time without changing
// the number of threads, so outputs keep their bits).

import { native } from './native.js';

export interface OpenMPWaitState {
  /**
   * 'adaptive': the library switches the spin count with the load (the default);
   * 'user': OMP_WAIT_POLICY or GOMP_SPINCOUNT was set, libgomp follows it and nothing switches;
   * 'off': LTR_OMP_ADAPTIVE=0; 'unavailable': this libtorch does not run on GNU OpenMP.
   */
  mode: 'adaptive' | 'user' | 'off' | 'unavailable';
  /** True while the short spin is in force (other processes are taking the CPUs). */
  throttled: boolean;
  /** CPUs' worth of time other processes used on this process's CPUs over the last 100 ms sample. */
  othersBusy: number;
  /** How many times the spin count was switched since the addon loaded. */
  switches: number;
  /** The CPUs this process may run on (its affinity mask). */
  cpus: number;
}

/** What the OpenMP wait policy is doing now (see the README's "Threads under contention"). */
export function openmpWaitState(): OpenMPWaitState {
  return native.openmpWaitState() as OpenMPWaitState;
}
