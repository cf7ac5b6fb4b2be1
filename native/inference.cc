// The fast inference mode (torch.optimizeForInference): a forward recorded by
// jitTrace (see jit.cc) becomes a TorchScript module with the parameters as
// attributes, which torch::jit::freeze turns into constants (folding each
// BatchNorm into the conv before it, and conv + add / mul). That frozen graph
// then runs on one of two backends:
// - 'onednn' (inference_onednn.cc): lowered to a chain of oneDNN primitives,
//   conv + ReLU and conv + add + ReLU fused; where the build has it and the
//   graph has only the ops it runs;
// - 'torchscript': torch::jit::optimize_for_inference rewrites it for oneDNN
//   (weights prepacked once, activations kept in oneDNN's blocked layout
//   between layers; ReLU and the residual add stay separate in-place passes
//   there). What PyTorch's `torch.jit.optimize_for_inference(torch.jit.freeze(
//   traced))` does, from C++.
// Not bit-exact with the plain forward: folding BatchNorm and oneDNN's
// blocked kernels sum in another order.
//
// inferenceOptimize(plan, names, state, example, backend) -> { handle, backend, reason }
// inferenceRun(handle, input) -> NativeTensor            (on the JS thread)
// inferenceRunAsync(handle, input, numThreads) -> Promise<NativeTensor> (libuv worker)
// inferenceBackends() -> ('onednn' | 'torchscript')[]
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/api/module.h>

#include <memory>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "inference_onednn.h"
#include "jit.h"
#include "tensor.h"

namespace ltr {

namespace {

struct FastModule {
  std::shared_ptr<onednn::Executor> executor;  // the 'onednn' backend, or null
  torch::jit::Module module;                   // the 'torchscript' backend
};

using FastRef = std::shared_ptr<FastModule>;

FastRef fastArg(const Napi::Value& v) {
  if (!v.IsExternal()) throw ArgTypeError("expected a handle from inferenceOptimize but received " + describe(v));
  return *v.As<Napi::External<FastRef>>().Data();
}

at::Tensor runFast(FastModule& fast, const at::Tensor& input) {
  at::NoGradGuard noGrad;
  if (fast.executor) return onednn::run(*fast.executor, input);
  c10::IValue out = fast.module.forward({input});
  if (!out.isTensor()) throw std::runtime_error("the optimized forward did not return a Tensor");
  return out.toTensor();
}

// inferenceOptimize(plan, names: string[], state: NativeTensor[], example, backend: 'auto' | 'onednn' | 'torchscript')
//   -> { handle, backend: 'onednn' | 'torchscript', reason: why not 'onednn' ('' when it is) }
Napi::Value InferenceOptimize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, "optimizeForInference", [&]() -> Napi::Value {
    PlanRef plan = planArg(arg(info, 0));
    Napi::Value namesValue = arg(info, 1);
    if (!namesValue.IsArray()) throw ArgTypeError("expected Array of strings for names but received " + describe(namesValue));
    Napi::Array names = namesValue.As<Napi::Array>();
    const std::vector<at::Tensor> state = tensorListArg(arg(info, 2), "state");
    checkRange(names.Length() == state.size() && state.size() + 1 == plan->inputs && plan->outputs == 1,
               "the forward must take one input Tensor and return one Tensor");
    std::vector<std::string> keys;
    for (uint32_t i = 0; i < names.Length(); ++i) keys.push_back(stringArg(names.Get(i), "names"));
    const at::Tensor& example = tensorArg(arg(info, 3), "example");
    const std::string backend = stringArg(arg(info, 4), "backend");
    checkRange(backend == "auto" || backend == "onednn" || backend == "torchscript", "backend must be 'auto', 'onednn' or 'torchscript'");
    at::NoGradGuard noGrad;
    torch::jit::Module frozen = torch::jit::freeze(tracedModule(*plan, keys, state));
    auto fast = std::make_shared<FastModule>();
    std::string whyNot = "the 'torchscript' backend was asked for";
    if (backend != "torchscript") fast->executor = onednn::compile(frozen.get_method("forward").graph(), example, &whyNot);
    if (!fast->executor) {
      if (backend == "onednn") throw std::invalid_argument("the 'onednn' backend cannot run this model: " + whyNot);
      fast->module = torch::jit::optimize_for_inference(frozen);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("backend", fast->executor ? "onednn" : "torchscript");
    out.Set("reason", fast->executor ? "" : whyNot);
    out.Set("handle", Napi::External<FastRef>::New(env, new FastRef(std::move(fast)), [](Napi::Env, FastRef* ref) { delete ref; }));
    return out;
  });
}

// inferenceRun(handle, input) -> NativeTensor
Napi::Value InferenceRun(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "optimizeForInference", [&]() -> Napi::Value {
    FastRef fast = fastArg(arg(info, 0));
    const at::Tensor& input = tensorArg(arg(info, 1), "input");
    return Tensor::Wrap(info.Env(), runFast(*fast, input));
  });
}

class FastWorker : public Napi::AsyncWorker {
 public:
  FastWorker(Napi::Env env, FastRef fast, at::Tensor input, int threads)
      : Napi::AsyncWorker(env, "libtorch-resnet:optimizeForInference"),
        fast_(std::move(fast)),
        input_(std::move(input)),
        threads_(threads),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      // The intra-op thread count is per thread in libtorch: carry the caller's.
      if (at::get_num_threads() != threads_) at::set_num_threads(threads_);
      output_ = runFast(*fast_, input_);
      input_.reset();
    } catch (const c10::Error& e) {
      SetError(cleanTorchMessage(e));
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override { deferred_.Resolve(Tensor::Wrap(Env(), output_)); }

  void OnError(const Napi::Error& error) override {
    deferred_.Reject(Napi::Error::New(Env(), "optimizeForInference: " + error.Message()).Value());
  }

 private:
  FastRef fast_;
  at::Tensor input_;
  at::Tensor output_;
  int threads_;
  Napi::Promise::Deferred deferred_;
};

// inferenceRunAsync(handle, input, numThreads) -> Promise<NativeTensor>
Napi::Value InferenceRunAsync(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "optimizeForInference", [&]() -> Napi::Value {
    FastRef fast = fastArg(arg(info, 0));
    at::Tensor input = tensorArg(arg(info, 1), "input");
    const int64_t threads = intArgIn(arg(info, 2), "numThreads", 1, 4096);
    auto* worker = new FastWorker(info.Env(), std::move(fast), std::move(input), static_cast<int>(threads));
    Napi::Promise promise = worker->promise();
    worker->Queue();
    return promise;
  });
}

// inferenceBackends() -> the backends this build has: ['onednn', 'torchscript'] or ['torchscript']
Napi::Value InferenceBackends(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "versions", [&]() -> Napi::Value {
    Napi::Array out = Napi::Array::New(info.Env());
    if (onednn::available()) out.Set(out.Length(), "onednn");
    out.Set(out.Length(), "torchscript");
    return out;
  });
}

}  // namespace

void InitInference(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "inferenceBackends", InferenceBackends);
  exportFunction(exports, "inferenceOptimize", InferenceOptimize);
  exportFunction(exports, "inferenceRun", InferenceRun);
  exportFunction(exports, "inferenceRunAsync", InferenceRunAsync);
}

}  // namespace ltr
