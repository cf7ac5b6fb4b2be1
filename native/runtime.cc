// Process-wide settings and facts: threads, grad mode, CUDA, versions.
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/GradMode.h>
#include <torch/version.h>

#include <algorithm>
#include <thread>

#include "addon.h"
#include "args.h"
#include "cpus.h"
#include "errors.h"

#ifndef LTR_ADDON_VERSION
#define LTR_ADDON_VERSION "unknown"
#endif
#ifndef LTR_FLAVOUR
#define LTR_FLAVOUR "cpu"
#endif

namespace ltr {

namespace {

int64_t maxThreads() {
  const std::vector<bool> mask = allowedCpus();
  auto cpus = static_cast<int64_t>(std::count(mask.begin(), mask.end(), true));
  if (cpus <= 0) cpus = static_cast<int64_t>(std::thread::hardware_concurrency());
  return 4 * std::max<int64_t>(cpus, 1);
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "setNumThreads", [&]() -> Napi::Value {
    // Capped at 4x the logical CPUs this process may run on: more threads
    // than that only add contention, and each one reserves a stack (256
    // threads under a memory limit hung in pthreadpool_create).
    const int64_t n = intArgIn(arg(info, 0), "n", 1, maxThreads());
    at::set_num_threads(static_cast<int>(n));
    noteIntraOpThreads(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

// setGradEnabled(flag) -> previous flag. Grad mode is thread-local in libtorch;
// all synchronous ops run on the JS thread, which is the one this sets.
Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "setGradEnabled", [&]() -> Napi::Value {
    const bool flag = boolArg(arg(info, 0), "enabled");
    const bool previous = c10::GradMode::is_enabled();
    c10::GradMode::set_enabled(flag);
    return Napi::Boolean::New(info.Env(), previous);
  });
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

Napi::Value CudaIsAvailable(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "cuda.isAvailable", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), at::hasCUDA() && at::detail::getCUDAHooks().getNumGPUs() > 0);
  });
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "cuda.deviceCount", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0);
  });
}

// versions() -> { libtorch, cuda, cudnn, addon, parallel, builtWithCuda, cudaAvailable, ... };
// cuda/cudnn are null when no CUDA libtorch is loaded.
Napi::Value Versions(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "versions", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("libtorch", TORCH_VERSION);
    out.Set("addon", LTR_ADDON_VERSION);
    const auto& hooks = at::detail::getCUDAHooks();
    // A CUDA-linked binary has libtorch_cuda's hooks registered, so the
    // runtime and cuDNN versions are known even without a GPU; a CPU-only one
    // has the stub hooks, which throw when asked.
    const bool cudaLinked = std::string(LTR_FLAVOUR) == "cuda" || at::hasCUDA();
    out.Set("cuda", env.Null());
    out.Set("cudnn", env.Null());
    if (cudaLinked) {
      try {
        const long cuda = hooks.versionCUDART();
        out.Set("cuda", std::to_string(cuda / 1000) + "." + std::to_string((cuda % 1000) / 10));
        if (hooks.hasCuDNN()) out.Set("cudnn", std::to_string(hooks.versionCuDNN()));
      } catch (const c10::Error&) {
        // stays null: this libtorch cannot say
      }
    }
    out.Set("parallel", at::get_parallel_info());
    // What this binary was linked for, against what the process can use now:
    // a CUDA-linked addon on a machine without a GPU says builtWithCuda true
    // and cudaAvailable false.
    out.Set("builtWithCuda", std::string(LTR_FLAVOUR) == "cuda");
    out.Set("cudaAvailable", at::hasCUDA() && hooks.getNumGPUs() > 0);
    out.Set("mkl", at::hasMKL());
    out.Set("mkldnn", at::hasMKLDNN());
    out.Set("openmp", at::hasOpenMP());
    out.Set("cxx11abi", static_cast<bool>(_GLIBCXX_USE_CXX11_ABI));
    return out;
  });
}

}  // namespace

void InitRuntime(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "setNumThreads", SetNumThreads);
  exportFunction(exports, "getNumThreads", GetNumThreads);
  exportFunction(exports, "setGradEnabled", SetGradEnabled);
  exportFunction(exports, "isGradEnabled", IsGradEnabled);
  exportFunction(exports, "cudaIsAvailable", CudaIsAvailable);
  exportFunction(exports, "cudaDeviceCount", CudaDeviceCount);
  exportFunction(exports, "versions", Versions);
}

}  // namespace ltr
