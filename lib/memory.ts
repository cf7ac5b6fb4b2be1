// Host memory of large tensors: the caching block allocator of native/cpu_allocator.cc, which
// keeps blocks of 1 MiB and more out of glibc's heap and reuses them (the CPU counterpart of
// torch.cuda.memory_stats / empty_cache; PyTorch's CPU allocator has neither).

import { native } from './native.js';

export interface CpuMemoryStats {
  /** 'caching' (the default), or 'default' when LTR_CPU_ALLOCATOR=default kept libtorch's allocator. */
  allocator: 'caching' | 'default';
  /** Bytes in large blocks held by tensors now (rounded up to 64 KiB per block). */
  liveBytes: number;
  /** Bytes in freed large blocks kept for reuse; never more than cacheLimitBytes. */
  cachedBytes: number;
  /** The most large-block bytes live at once since the process started. */
  peakLiveBytes: number;
  /**
   * What the cache may hold now: the most large-block bytes live at once over the current and the
   * previous 10 s window (LTR_CPU_CACHE_WINDOW_MS), so a one-off peak is let go.
   */
  cacheLimitBytes: number;
  liveBlocks: number;
  cachedBlocks: number;
  /** Large requests served from the cache, and those that mapped a new block. */
  hits: number;
  misses: number;
}

export const cpu = {
  /** The large-block allocator's figures. @example torch.cpu.memoryStats().cachedBytes */
  memoryStats(): CpuMemoryStats {
    return native.cpuMemoryStats() as CpuMemoryStats;
  },
  /** Gives every cached (free) large block back to the system; returns the bytes unmapped. */
  emptyCache(): number {
    return native.cpuEmptyCache();
  },
};
