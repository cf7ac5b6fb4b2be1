// The JavaScript handle of an at::Tensor.
//
// A handle owns one reference to the tensor. `dispose()` drops it at once; if
// the handle is garbage collected first, its finalizer drops it (the safety net
// behind explicit disposal). Native bytes are reported to V8 with
// AdjustExternalMemory so the GC sees how much memory small handles keep alive.
#pragma once

#include <napi.h>

#include <ATen/ATen.h>

namespace ltr {

// The CPU generator for random ops on the calling JS thread. The first
// environment to load the addon (the main thread) uses libtorch's default
// generator, the one torch.manual_seed seeds, so seeded results equal
// PyTorch's; every worker thread gets a generator of its own, so two workers
// seeded alike draw alike and never take numbers from each other. `device`:
// CUDA ops use libtorch's default CUDA generators (nullopt).
c10::optional<at::Generator> threadGenerator(const at::Device& device = at::Device(at::kCPU));
at::Generator threadCpuGenerator();
// Called once per environment at load (Tensor::Init).
void claimThreadGenerator();

class Tensor : public Napi::ObjectWrap<Tensor> {
 public:
  static Napi::Function Init(Napi::Env env);
  // Wraps a result. Called only after the op succeeded, so a failing op never
  // leaves a half-made handle behind.
  static Napi::Object Wrap(Napi::Env env, at::Tensor tensor);
  // nullptr unless `value` is a Tensor handle (checked by type tag, so an
  // object that merely looks like one is rejected).
  static Tensor* From(const Napi::Value& value);

  explicit Tensor(const Napi::CallbackInfo& info);
  // A basic finalizer: Node calls it synchronously from the GC (see
  // napi_basic_finalizers.h), so it may only free C++ memory and make basic
  // N-API calls.
  void Finalize(Napi::BasicEnv env) override;

  bool disposed() const { return !tensor_.defined(); }
  const at::Tensor& tensor() const { return tensor_; }

 private:
  void release(Napi::Env env);
  void charge(Napi::Env env);     // at creation, unless inside tidy
  void chargeNow(Napi::Env env);  // once per handle

  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value Strides(const Napi::CallbackInfo& info);
  Napi::Value Dtype(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value Numel(const Napi::CallbackInfo& info);
  Napi::Value IsContiguous(const Napi::CallbackInfo& info);
  Napi::Value RequiresGrad(const Napi::CallbackInfo& info);
  void SetRequiresGrad(const Napi::CallbackInfo& info, const Napi::Value& value);
  Napi::Value IsLeaf(const Napi::CallbackInfo& info);
  Napi::Value Grad(const Napi::CallbackInfo& info);
  void SetGrad(const Napi::CallbackInfo& info, const Napi::Value& value);
  Napi::Value HasGradFn(const Napi::CallbackInfo& info);
  Napi::Value ToArray(const Napi::CallbackInfo& info);
  Napi::Value Item(const Napi::CallbackInfo& info);
  Napi::Value Backward(const Napi::CallbackInfo& info);
  Napi::Value SameStorage(const Napi::CallbackInfo& info);
  Napi::Value Charge(const Napi::CallbackInfo& info);

  at::Tensor tensor_;
  int64_t chargedBytes_ = 0;
  // Charged handles of this thread's environment, for the GC backstop's
  // sweep (see tensor.cc, "Native bytes budget").
  Tensor* prev_ = nullptr;
  Tensor* next_ = nullptr;
  bool linked_ = false;
  void link();
  void unlink();
  static void sweepIfOverBudget(Napi::Env env);

 public:
  // Live native bytes (and handles) the GC backstop is responsible for on
  // this thread: tensors outside tidy that are not disposed yet.
  static int64_t liveChargedBytes();
  static int64_t liveChargedCount();
  // Frees the tensors of handles the GC has already collected (see tensor.cc).
  static int64_t sweep(Napi::Env env);
};

}  // namespace ltr
