// OpenMP's spin-waiting, adapted to the load of the machine while the process runs.
//
// Debian's libtorch, its oneDNN and OpenBLAS all run on GNU OpenMP (libgomp; pip's libtorch
// bundles its own copy). A libgomp thread that reaches a barrier spins before it sleeps:
// 300,000 times by default, but only 100 times while libgomp manages more threads than the
// process has CPUs ("throttled"; the GOMP_SPINCOUNT entry of the libgomp manual). Long spins
// are what a quiet machine wants: every op of a forward opens its own parallel regions, and a
// thread that went to sleep between two of them costs a futex wake-up each time (a fixed 1,000
// spins made a 2-thread resnet50 forward 1.5x slower). They are the worst thing under contention: a thread that never
// sleeps is a CPU hog to the scheduler, so the worker that shares its core with another busy
// process waits a whole time slice at every region, and the forward became 14-40x slower.
// libgomp reads its spin counts once, at load, so no fixed choice serves both.
//
// What can change at run time is the number of threads libgomp manages: libgomp compares it
// with the CPU count at every wait. So a monitor thread samples /proc/stat; while other
// processes take the CPUs our OpenMP threads need, a parked thread holds an idle OpenMP team of
// (CPUs + 1) threads, all blocked on a condition variable (no CPU), which makes every libgomp
// wait in the process use the short spin; when the machine is quiet again the team is released
// and the long spin is back. The number of threads doing the work never changes, so outputs
// stay the same bits (a change of thread count would not: resnet50 logits move in the 5th digit
// between 1 and 2 threads).
//
// Off when the user chose a wait policy (OMP_WAIT_POLICY or GOMP_SPINCOUNT set) or set
// LTR_OMP_ADAPTIVE=0, and unavailable when libtorch does not run on libgomp.
#include <ATen/Parallel.h>

#include <dlfcn.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "addon.h"
#include "args.h"
#include "cpus.h"
#include "errors.h"

namespace ltr {

namespace {

// libgomp's entry for `#pragma omp parallel` (GCC's OpenMP ABI, stable since GCC 4.9).
using GompParallelFn = void (*)(void (*)(void*), void*, unsigned, unsigned);

// The decision, separate from the sampling so that a test can drive it with made-up loads.
// `othersBusy`: CPUs' worth of time other processes used on the CPUs this process may run on,
// over the last sample. Contended once our threads and theirs do not fit on the CPUs (with half
// a CPU of slack for sampling noise); quiet again after `kQuietSamples` samples in a row with
// room to spare, so that a load that comes and goes does not flip the spin count every sample.
struct WaitDecision {
  static constexpr int kQuietSamples = 10;  // 1 s at the 100 ms sampling interval
  bool throttled = false;
  int quietRun = 0;

  bool step(double othersBusy, int threads, int cpus) {
    if (threads <= 1) {  // one thread never waits at a barrier
      throttled = false;
      quietRun = 0;
      return throttled;
    }
    const double demand = othersBusy + threads;
    if (demand > cpus + 0.5) {
      throttled = true;
      quietRun = 0;
    } else if (throttled && demand < cpus + 0.25) {
      if (++quietRun >= kQuietSamples) {
        throttled = false;
        quietRun = 0;
      }
    } else {
      quietRun = 0;
    }
    return throttled;
  }
};

struct CpuSample {
  unsigned long long busy = 0;   // jiffies, summed over the CPUs in our affinity mask
  unsigned long long total = 0;  // idem, idle included
  unsigned long long own = 0;    // this process's utime + stime
};

bool readSample(const std::vector<bool>& wanted, CpuSample& out) {
  std::ifstream stat("/proc/stat");
  if (!stat) return false;
  CpuSample s;
  std::string line;
  while (std::getline(stat, line)) {
    if (line.compare(0, 3, "cpu") != 0) break;  // the cpu lines come first
    if (line.size() < 4 || line[3] < '0' || line[3] > '9') continue;  // the summary line
    std::istringstream in(line.substr(3));
    int cpu = -1;
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    if (cpu < 0 || cpu >= static_cast<int>(wanted.size()) || !wanted[cpu]) continue;
    const unsigned long long busy = user + nice + system + irq + softirq + steal;
    s.busy += busy;
    s.total += busy + idle + iowait;
  }
  std::ifstream self("/proc/self/stat");
  if (!self) return false;
  std::getline(self, line);
  // Fields after the command name, which is in parentheses and may hold spaces.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream in(line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 13; i++) in >> field;  // state .. cmajflt
  unsigned long long utime = 0, stime = 0;
  in >> utime >> stime;
  s.own = utime + stime;
  out = s;
  return true;
}

class WaitPolicy {
 public:
  static WaitPolicy& instance() {
    // Never destroyed: the monitor thread outlives static destruction at exit.
    static WaitPolicy* policy = new WaitPolicy();
    return *policy;
  }

  std::string mode() const { return mode_; }
  bool throttled() const { return throttled_.load(); }
  double othersBusy() const { return othersBusy_.load(); }
  int64_t switches() const { return switches_.load(); }
  int cpus() const { return cpuCount_; }
  // The intra-op thread count, told by the JS thread (at::get_num_threads is per thread, and
  // calling it here would initialise this thread's OpenMP settings, not read the user's).
  void setThreads(int n) { threads_.store(n); }

 private:
  WaitPolicy() {
    const char* adaptive = std::getenv("LTR_OMP_ADAPTIVE");
    if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) {
      mode_ = "user";  // the user's own choice stands
      return;
    }
    if (adaptive != nullptr && std::string(adaptive) == "0") {
      mode_ = "off";
      return;
    }
    parallel_ = findGompParallel();
    cpus_ = allowedCpus();
    cpuCount_ = static_cast<int>(std::count(cpus_.begin(), cpus_.end(), true));
    if (parallel_ == nullptr || cpuCount_ == 0) {
      mode_ = "unavailable";
      return;
    }
    mode_ = "adaptive";
    std::thread([this] { monitor(); }).detach();
  }

  // The libgomp that libtorch_cpu itself uses: dlsym on libtorch_cpu's handle searches it and
  // its dependencies, so pip's bundled copy is found as well as the system one.
  static GompParallelFn findGompParallel() {
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&at::get_num_threads), &info) == 0 || info.dli_fname == nullptr) return nullptr;
    void* torch = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (torch == nullptr) return nullptr;
    return reinterpret_cast<GompParallelFn>(dlsym(torch, "GOMP_parallel"));
  }

  void monitor() {
    const long hz = sysconf(_SC_CLK_TCK);
    CpuSample last;
    if (!readSample(cpus_, last)) return;
    WaitDecision decision;
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      CpuSample now;
      if (!readSample(cpus_, now)) return;
      const double wall = static_cast<double>(now.total - last.total) / cpuCount_;
      if (wall <= 0 || hz <= 0) continue;  // no tick yet
      const double othersTicks = static_cast<double>(now.busy - last.busy) - static_cast<double>(now.own - last.own);
      const double others = std::max(0.0, othersTicks / wall);
      last = now;
      othersBusy_.store(others);
      const bool want = decision.step(others, threads_.load(), cpuCount_);
      if (want != throttled_.load()) {
        want ? holdTeam() : releaseTeam();
        throttled_.store(want);
        switches_.fetch_add(1);
      }
    }
  }

  // A thread that enters a parallel region of (CPUs + 1) threads and keeps every one of them
  // blocked until released. On release the region ends and the thread exits, and libgomp frees
  // its team, which lowers the managed count again.
  void holdTeam() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      release_ = false;
    }
    holder_ = std::thread([this] {
      const unsigned threads = static_cast<unsigned>(cpuCount_) + 1;
      parallel_(&WaitPolicy::parkedBody, this, threads, 0);
    });
  }

  void releaseTeam() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      release_ = true;
    }
    wake_.notify_all();
    if (holder_.joinable()) holder_.join();
  }

  static void parkedBody(void* self) {
    auto* policy = static_cast<WaitPolicy*>(self);
    std::unique_lock<std::mutex> lock(policy->mutex_);
    policy->wake_.wait(lock, [policy] { return policy->release_; });
  }

  std::string mode_;
  GompParallelFn parallel_ = nullptr;
  std::vector<bool> cpus_;  // affinity mask, read once
  int cpuCount_ = 0;
  std::atomic<int> threads_{1};
  std::atomic<bool> throttled_{false};
  std::atomic<double> othersBusy_{0.0};
  std::atomic<int64_t> switches_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool release_ = false;
  std::thread holder_;
};

// openmpWaitState() -> { mode, throttled, othersBusy, switches, cpus }: what the policy above is
// doing now. mode: 'adaptive' | 'user' (OMP_WAIT_POLICY / GOMP_SPINCOUNT set) | 'off'
// (LTR_OMP_ADAPTIVE=0) | 'unavailable' (libtorch without libgomp).
Napi::Value OpenmpWaitState(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "openmpWaitState", [&]() -> Napi::Value {
    const WaitPolicy& policy = WaitPolicy::instance();
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("mode", policy.mode());
    out.Set("throttled", policy.throttled());
    out.Set("othersBusy", policy.othersBusy());
    out.Set("switches", Napi::Number::New(info.Env(), static_cast<double>(policy.switches())));
    out.Set("cpus", policy.cpus());
    return out;
  });
}

// openmpWaitDecide(loads, threads, cpus) -> the throttled flag after each sample: the decision
// alone, fed made-up loads, for tests (the live one depends on whatever else the machine runs).
Napi::Value OpenmpWaitDecide(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "openmpWaitDecide", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const Napi::Value loadsArg = arg(info, 0);
    if (!loadsArg.IsArray()) throw ArgTypeError("loads must be an array of numbers");
    const auto loads = loadsArg.As<Napi::Array>();
    const int threads = static_cast<int>(intArgIn(arg(info, 1), "threads", 1, 4096));
    const int cpus = static_cast<int>(intArgIn(arg(info, 2), "cpus", 1, 4096));
    WaitDecision decision;
    Napi::Array out = Napi::Array::New(env, loads.Length());
    for (uint32_t i = 0; i < loads.Length(); i++) {
      const Napi::Value v = loads.Get(i);
      if (!v.IsNumber()) throw ArgTypeError("loads[" + std::to_string(i) + "] must be a number");
      out.Set(i, decision.step(v.As<Napi::Number>().DoubleValue(), threads, cpus));
    }
    return out;
  });
}

}  // namespace

std::vector<bool> allowedCpus() {
  std::vector<bool> mask;
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int i = 0; i < CPU_SETSIZE; i++)
      if (CPU_ISSET(i, &set)) {
        mask.resize(i + 1, false);
        mask[i] = true;
      }
#endif
  return mask;
}

void noteIntraOpThreads(int n) { WaitPolicy::instance().setThreads(n); }

void InitOpenmpWait(Napi::Env, Napi::Object exports) {
  // Starts the monitor with the addon, before the first forward.
  WaitPolicy::instance().setThreads(at::get_num_threads());
  exportFunction(exports, "openmpWaitState", OpenmpWaitState);
  exportFunction(exports, "openmpWaitDecide", OpenmpWaitDecide);
}

}  // namespace ltr
