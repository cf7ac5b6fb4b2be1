// Large CPU tensors in mmap'd blocks that are kept and reused, instead of glibc's heap.
//
// With glibc's malloc, an activation of a few MB comes from the heap once the dynamic mmap
// threshold has risen (it does after the first free). There, Node's small per-handle objects
// (freed only when the event loop turns) are carved out of the holes freed activations leave,
// so the holes cannot be merged and reused whole and the heap grows: 20 synchronous resnet50
// batch-8 forwards peaked at 740 MB against 520 MB after one (PyTorch eager: 610). A fixed mmap
// threshold removes the fragmentation but faults every activation in again on every forward
// (7x the page faults, 5x the system time). This allocator takes the large blocks out of the
// heap altogether, the way PyTorch's CUDA caching allocator does on the GPU: blocks of 1 MiB and
// more are mapped on their own, and a freed block is kept and handed to the next request of
// (nearly) the same size, which a forward loop repeats exactly, so its pages are not faulted in
// again. Smaller requests go to libtorch's own allocator, as before.
//
// The cache is bounded by recent demand: the most live large bytes at once over the current and
// the previous window of 10 s. A block whose caching would exceed that is unmapped, and when a
// window ends the cache is trimmed (largest blocks first) to the new bound, so a one-off peak (a
// garbage collection that came late and freed many tensors at once) does not keep its memory
// mapped for the life of the process. A cached block nobody took for a whole window is unmapped
// then too: what a loop reuses is taken again within one iteration, while the blocks of a one-off
// (the state dict a model was loaded from, a model disposed after optimizeForInference) would
// otherwise stay mapped for as long as the loop's demand kept the bound above them. torch.cpu.emptyCache() unmaps every cached block;
// LTR_CPU_ALLOCATOR=default keeps libtorch's allocator for all sizes; LTR_CPU_CACHE_WINDOW_MS
// sets the window (tests shorten it).
//
// glibc keeps the blocks below 1 MiB. Its default policy returns the top of its heap to the
// system as soon as 2x its mmap threshold is free there; PyTorch's threshold rises to tens of MB
// once the first large block is freed, but here glibc never sees one, so the heap shrank and grew
// on every forward (resnet18 batch 1: ~560 page faults per forward, PyTorch 0). So the caching
// allocator also fixes glibc's thresholds: below 1 MiB always from the heap, and up to 32 MiB free
// at its top kept (what PyTorch's dynamic threshold gives it). Unless GLIBC_TUNABLES sets malloc.
#include <c10/core/CPUAllocator.h>
#include <torch/version.h>

#include <sys/mman.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "addon.h"
#include "errors.h"

namespace ltr {

namespace {

constexpr size_t kLargeBlock = size_t(1) << 20;  // below: libtorch's allocator (glibc's heap)
constexpr size_t kHeapTopKept = size_t(32) << 20;  // free bytes glibc may keep at its heap's top
constexpr size_t kGranule = size_t(64) << 10;     // sizes rounded up to 64 KiB
// A cached block serves a request at most 1/8 smaller than itself.
constexpr size_t kSlackDivisor = 8;

class CachingCpuAllocator final : public c10::Allocator {
 public:
  CachingCpuAllocator(c10::Allocator* fallback, std::chrono::milliseconds window)
      : fallback_(fallback), fallbackDeleter_(fallback->raw_deleter()), window_(window), windowStart_(std::chrono::steady_clock::now()) {}

  // c10's Allocator interface: allocate became non-const and copy_data appeared in libtorch 2.3.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  c10::DataPtr allocate(size_t n) override { return allocateBlock(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }
#else
  c10::DataPtr allocate(size_t n) const override { return allocateBlock(n); }
#endif

  c10::DeleterFnPtr raw_deleter() const override { return &CachingCpuAllocator::release; }

  struct Stats {
    size_t liveBytes, cachedBytes, peakLiveBytes, cacheLimitBytes, liveBlocks, cachedBlocks;
    uint64_t hits, misses;
  };
  Stats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    rollWindow();
    return {liveBytes_, cachedBytes_, peakLiveBytes_, cacheLimit(), live_.size(), cached_.size(), hits_, misses_};
  }

  size_t emptyCache() {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t freed = cachedBytes_;
    for (const auto& [size, block] : cached_) munmap(block.ptr, size);
    cached_.clear();
    cachedBytes_ = 0;
    return freed;
  }

  static CachingCpuAllocator* instance;

 private:
  c10::DataPtr allocateBlock(size_t n) const {
    if (n < kLargeBlock) return fallback_->allocate(n);
    // The data pointer is its own context, as raw_allocate (oneDNN's scratch buffers) requires.
    void* ptr = const_cast<CachingCpuAllocator*>(this)->take(n);
    return {ptr, ptr, &CachingCpuAllocator::release, c10::Device(c10::DeviceType::CPU)};
  }

  void* take(size_t n) {
    const size_t size = (n + kGranule - 1) / kGranule * kGranule;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      rollWindow();
      auto it = cached_.lower_bound(size);
      if (it != cached_.end() && it->first - size <= size / kSlackDivisor) {
        const size_t blockSize = it->first;
        void* ptr = it->second.ptr;
        cached_.erase(it);
        cachedBytes_ -= blockSize;
        noteLive(ptr, blockSize);
        hits_++;
        return ptr;
      }
      misses_++;
    }
    void* ptr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ptr == MAP_FAILED) {
      // Cached blocks of other sizes may be what stands in the way: give them back and retry.
      emptyCache();
      ptr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    if (ptr == MAP_FAILED) throw std::bad_alloc();  // guard() reports "<op>: out of memory"
    std::lock_guard<std::mutex> lock(mutex_);
    noteLive(ptr, size);
    return ptr;
  }

  void noteLive(void* ptr, size_t size) {
    live_.emplace(ptr, size);
    liveBytes_ += size;
    if (liveBytes_ > peakLiveBytes_) peakLiveBytes_ = liveBytes_;
    if (liveBytes_ > windowPeak_) windowPeak_ = liveBytes_;
  }

  // What the cache may hold: the live peak of this window and the one before (callers hold mutex_).
  size_t cacheLimit() const { return std::max(windowPeak_, previousWindowPeak_); }

  // Starts a new window once the current one is over: unmaps the blocks cached before the window
  // that just ended (nobody took them all through it), then trims the cache to the new limit.
  void rollWindow() {
    const auto now = std::chrono::steady_clock::now();
    if (now - windowStart_ < window_) return;
    windowStart_ = now;
    previousWindowPeak_ = windowPeak_;
    windowPeak_ = liveBytes_;
    const uint64_t ended = windowIndex_++;
    for (auto it = cached_.begin(); it != cached_.end();) {
      if (it->second.window >= ended) {
        ++it;
        continue;
      }
      munmap(it->second.ptr, it->first);
      cachedBytes_ -= it->first;
      it = cached_.erase(it);
    }
    const size_t limit = cacheLimit();
    while (cachedBytes_ > limit && !cached_.empty()) {
      auto largest = std::prev(cached_.end());
      munmap(largest->second.ptr, largest->first);
      cachedBytes_ -= largest->first;
      cached_.erase(largest);
    }
  }

  static void release(void* ptr) {
    CachingCpuAllocator* self = instance;
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      auto it = self->live_.find(ptr);
      if (it != self->live_.end()) {
        const size_t size = it->second;
        self->live_.erase(it);
        self->liveBytes_ -= size;
        self->rollWindow();
        if (self->cachedBytes_ + size <= self->cacheLimit()) {
          self->cached_.emplace(size, Cached{ptr, self->windowIndex_});
          self->cachedBytes_ += size;
          return;
        }
        munmap(ptr, size);
        return;
      }
    }
    // Not ours: a small block from libtorch's allocator, handed out through raw_allocate.
    self->fallbackDeleter_(ptr);
  }

  c10::Allocator* fallback_;
  c10::DeleterFnPtr fallbackDeleter_;
  std::mutex mutex_;
  std::unordered_map<void*, size_t> live_;
  struct Cached {
    void* ptr;
    uint64_t window;  // the window it was cached in (windowIndex_ then)
  };
  std::multimap<size_t, Cached> cached_;  // by size
  size_t liveBytes_ = 0, cachedBytes_ = 0, peakLiveBytes_ = 0;
  const std::chrono::milliseconds window_;
  std::chrono::steady_clock::time_point windowStart_;
  size_t windowPeak_ = 0, previousWindowPeak_ = 0;
  uint64_t windowIndex_ = 0;  // windows started so far
  uint64_t hits_ = 0, misses_ = 0;
};

CachingCpuAllocator* CachingCpuAllocator::instance = nullptr;

// cpuMemoryStats() -> { allocator, liveBytes, cachedBytes, peakLiveBytes, cacheLimitBytes,
// liveBlocks, cachedBlocks, hits, misses }: the large-block allocator's figures; allocator is 'caching' or 'default'.
Napi::Value CpuMemoryStats(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "cpuMemoryStats", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    CachingCpuAllocator* a = CachingCpuAllocator::instance;
    out.Set("allocator", a != nullptr && c10::GetCPUAllocator() == a ? "caching" : "default");
    const auto s = a != nullptr ? a->stats() : CachingCpuAllocator::Stats{0, 0, 0, 0, 0, 0, 0, 0};
    out.Set("liveBytes", static_cast<double>(s.liveBytes));
    out.Set("cachedBytes", static_cast<double>(s.cachedBytes));
    out.Set("peakLiveBytes", static_cast<double>(s.peakLiveBytes));
    out.Set("cacheLimitBytes", static_cast<double>(s.cacheLimitBytes));
    out.Set("liveBlocks", static_cast<double>(s.liveBlocks));
    out.Set("cachedBlocks", static_cast<double>(s.cachedBlocks));
    out.Set("hits", static_cast<double>(s.hits));
    out.Set("misses", static_cast<double>(s.misses));
    return out;
  });
}

// cpuEmptyCache() -> bytes unmapped: every cached (free) block goes back to the system.
Napi::Value CpuEmptyCache(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "cpuEmptyCache", [&]() -> Napi::Value {
    CachingCpuAllocator* a = CachingCpuAllocator::instance;
    return Napi::Number::New(info.Env(), a != nullptr ? static_cast<double>(a->emptyCache()) : 0.0);
  });
}

}  // namespace

void InitCpuAllocator(Napi::Env, Napi::Object exports) {
  static std::once_flag installed;
  std::call_once(installed, [] {
    const char* choice = std::getenv("LTR_CPU_ALLOCATOR");
    if (choice != nullptr && std::string(choice) == "default") return;
    long windowMs = 10000;
    if (const char* w = std::getenv("LTR_CPU_CACHE_WINDOW_MS")) {
      char* end = nullptr;
      const long v = std::strtol(w, &end, 10);
      if (end != w && *end == '\0' && v > 0) windowMs = v;
    }
#ifdef __GLIBC__
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables == nullptr || std::string(tunables).find("malloc.") == std::string::npos) {
      mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargeBlock));
      mallopt(M_TRIM_THRESHOLD, static_cast<int>(kHeapTopKept));
    }
#endif
    // Never destroyed: tensors may be freed during exit, after static destructors ran.
    CachingCpuAllocator::instance = new CachingCpuAllocator(c10::GetCPUAllocator(), std::chrono::milliseconds(windowMs));
    c10::SetCPUAllocator(CachingCpuAllocator::instance, /*priority=*/1);
  });
  exportFunction(exports, "cpuMemoryStats", CpuMemoryStats);
  exportFunction(exports, "cpuEmptyCache", CpuEmptyCache);
}

}  // namespace ltr
