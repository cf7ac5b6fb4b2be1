// Threads, devices and versions.

import { addonLocation, native } from './native.js';

/**
 * Intra-op threads libtorch uses (torch.set_num_threads). Results can differ in the last bits between counts.
 * Accepts 1 to 4x the logical CPUs this process may run on: more only adds contention, and each
 * thread reserves a stack (hundreds of threads under a memory limit hung thread-pool creation).
 */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

export const cuda = {
  /** True when this libtorch has CUDA and a GPU is visible. */
  isAvailable(): boolean {
    return native.cudaIsAvailable();
  },
  deviceCount(): number {
    return native.cudaDeviceCount();
  },
};

export interface Versions {
  /** The libtorch this process runs on (the one the binary was built for). */
  libtorch: string;
  /** CUDA runtime version of a loaded CUDA libtorch, else null. */
  cuda: string | null;
  cudnn: string | null;
  addon: string;
  /** True when the addon came prebuilt in the npm package rather than built here. */
  prebuilt: boolean;
  /** The binary is linked to libtorch_cuda (it can use a GPU when one is there). */
  builtWithCuda: boolean;
  /** A GPU is usable now: built with CUDA, a CUDA libtorch loaded, and a device visible. */
  cudaAvailable: boolean;
  /** libtorch's parallel backend report (threads, OpenMP, MKL, oneDNN versions). */
  parallel: string;
  /** The backends optimizeForInference can use in this build ('onednn' needs a libtorch linked with the system's oneDNN). */
  fastBackends: ('onednn' | 'torchscript')[];
}

/** @example torch.versions() // { libtorch: '1.13.0', cuda: null, cudnn: null, addon: '0.1.0', prebuilt: false, builtWithCuda: false, cudaAvailable: false, ... } */
export function versions(): Versions {
  const v = native.versions();
  return {
    libtorch: v.libtorch,
    cuda: v.cuda,
    cudnn: v.cudnn,
    addon: v.addon,
    prebuilt: addonLocation.prebuilt,
    builtWithCuda: v.builtWithCuda,
    cudaAvailable: v.cudaAvailable,
    parallel: v.parallel,
    fastBackends: native.inferenceBackends(),
  };
}
