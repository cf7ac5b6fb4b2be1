// torch.Generator for CPU: a generator of its own (not the global one
// torch.manualSeed seeds), so that a sampler or random_split given
// `generator=torch.Generator().manual_seed(s)` in PyTorch draws the same
// permutations here.
#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

at::Generator* generatorArg(const Napi::Value& v, const char* name) {
  if (!v.IsExternal()) throw ArgTypeError(std::string("expected a Generator for ") + name + " but received " + describe(v));
  return v.As<Napi::External<at::Generator>>().Data();
}

// generatorNew(seed) -> handle (freed by the GC)
Napi::Value GeneratorNew(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "Generator", [&]() -> Napi::Value {
    const int64_t seed = intArg(arg(info, 0), "seed");
    checkRange(seed >= 0, "seed must be >= 0 but received " + std::to_string(seed));
    auto* g = new at::Generator(at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(seed)));
    return Napi::External<at::Generator>::New(info.Env(), g, [](Napi::Env, at::Generator* p) { delete p; });
  });
}

// generatorManualSeed(handle, seed)
Napi::Value GeneratorManualSeed(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "Generator.manualSeed", [&]() -> Napi::Value {
    at::Generator* g = generatorArg(arg(info, 0), "generator");
    const int64_t seed = intArg(arg(info, 1), "seed");
    checkRange(seed >= 0, "seed must be >= 0 but received " + std::to_string(seed));
    std::lock_guard<std::mutex> lock(g->mutex());
    g->set_current_seed(static_cast<uint64_t>(seed));
    return info.Env().Undefined();
  });
}

// randpermWith(handle, n) -> int64 tensor, as torch.randperm(n, generator=g)
Napi::Value RandpermWith(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "randperm", [&]() -> Napi::Value {
    at::Generator* g = generatorArg(arg(info, 0), "generator");
    const int64_t n = intArg(arg(info, 1), "n");
    checkRange(n >= 0, "n must be >= 0");
    return Tensor::Wrap(info.Env(), at::randperm(n, *g, at::TensorOptions().dtype(at::kLong)));
  });
}

}  // namespace

void InitGenerator(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "generatorNew", GeneratorNew);
  exportFunction(exports, "generatorManualSeed", GeneratorManualSeed);
  exportFunction(exports, "randpermWith", RandpermWith);
}

}  // namespace ltr
