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
  void Finalize(Napi::Env env) override;

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
};

}  // namespace ltr
