// Gradient utilities: torch.nn.utils.clip_grad_norm_ / clip_grad_value_ /
// vector_to_parameters, torch.inference_mode, and tensor.register_hook.
//
// The clipping functions replay PyTorch 1.13's torch/nn/utils/clip_grad.py op
// for op (Python floats as doubles, `max_norm / t` as Tensor.__rdiv__'s
// `t.reciprocal() * max_norm`), so the clipped gradients are bit-identical.
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <limits>
#include <memory>
#include <thread>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

std::vector<at::Tensor> definedGrads(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> grads;
  for (const auto& p : params) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  return grads;
}

// clipGradNorm_(params, maxNorm, normType, errorIfNonfinite) -> total norm (0-d tensor)
Napi::Value ClipGradNorm(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "clipGradNorm_", [&]() -> Napi::Value {
    const std::vector<at::Tensor> params = tensorListArg(arg(info, 0), "parameters");
    const double maxNorm = doubleArg(arg(info, 1), "maxNorm");
    const double normType = doubleArg(arg(info, 2), "normType");
    const bool errorIfNonfinite = boolArg(arg(info, 3), "errorIfNonfinite");
    c10::NoGradGuard noGrad;
    const std::vector<at::Tensor> grads = definedGrads(params);
    if (grads.empty()) return Tensor::Wrap(info.Env(), at::tensor(0.0, at::kFloat));
    const at::Device device = grads[0].device();
    at::Tensor total;
    if (std::isinf(normType) && normType > 0) {
      std::vector<at::Tensor> norms;
      for (const auto& g : grads) norms.push_back(g.detach().abs().max().to(device));
      total = norms.size() == 1 ? norms[0] : at::stack(norms).max();
    } else {
      std::vector<at::Tensor> norms;
      for (const auto& g : grads) {
        const at::Tensor d = g.detach();
        std::vector<int64_t> dims(d.dim());
        for (int64_t i = 0; i < d.dim(); ++i) dims[i] = i;
        norms.push_back(at::norm(d, at::Scalar(normType), dims, false).to(device));
      }
      total = at::norm(at::stack(norms), at::Scalar(normType), std::vector<int64_t>{0}, false);
    }
    if (errorIfNonfinite && at::logical_or(total.isnan(), total.isinf()).item<bool>()) {
      throw ArgRangeError("the total norm of order " + std::to_string(normType) +
                          " for gradients from `parameters` is non-finite, so it cannot be clipped (pass "
                          "errorIfNonfinite: false to scale the gradients by the non-finite norm anyway)");
    }
    // max_norm / (total_norm + 1e-6) is Tensor.__rdiv__: reciprocal() * max_norm.
    const at::Tensor coef = total.add(1e-6).reciprocal().mul(maxNorm);
    const at::Tensor clamped = at::clamp(coef, c10::nullopt, at::Scalar(1.0));
    for (const auto& g : grads) g.detach().mul_(clamped.to(g.device()));
    return Tensor::Wrap(info.Env(), total);
  });
}

// clipGradValue_(params, clipValue)
Napi::Value ClipGradValue(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "clipGradValue_", [&]() -> Napi::Value {
    const std::vector<at::Tensor> params = tensorListArg(arg(info, 0), "parameters");
    const double clip = doubleArg(arg(info, 1), "clipValue");
    c10::NoGradGuard noGrad;
    for (const auto& g : definedGrads(params)) g.detach().clamp_(at::Scalar(-clip), at::Scalar(clip));
    return info.Env().Undefined();
  });
}

// vectorToParameters(vec, params): param.data = vec[pointer:pointer + n].view_as(param).data
Napi::Value VectorToParameters(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "vectorToParameters", [&]() -> Napi::Value {
    const at::Tensor& vec = tensorArg(arg(info, 0), "vec");
    const std::vector<at::Tensor> params = tensorListArg(arg(info, 1), "parameters");
    if (vec.dim() != 1) throw ArgRangeError("expected a 1-D tensor for vec but got " + std::to_string(vec.dim()) + " dimensions");
    int64_t total = 0;
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].device() != params[0].device()) throw ArgRangeError("found two parameters on different devices, this is currently not supported");
      total += params[i].numel();
    }
    if (total != vec.numel()) {
      throw ArgRangeError("vec has " + std::to_string(vec.numel()) + " elements but the parameters have " + std::to_string(total));
    }
    c10::NoGradGuard noGrad;
    int64_t pointer = 0;
    for (const auto& p : params) {
      const int64_t n = p.numel();
      at::Tensor piece = vec.slice(0, pointer, pointer + n).view_as(p);
      const_cast<at::Tensor&>(p).set_data(piece.detach());
      pointer += n;
    }
    return info.Env().Undefined();
  });
}

// inferenceMode(fn): calls fn() under c10::InferenceMode (torch.inference_mode).
Napi::Value InferenceMode(const Napi::CallbackInfo& info) {
  const Napi::Value fnValue = arg(info, 0);
  const bool enabled = info.Length() < 2 || info[1].IsUndefined() ? true : info[1].ToBoolean().Value();
  if (!fnValue.IsFunction()) {
    throw Napi::TypeError::New(info.Env(), "inferenceMode: expected function for fn but received " + describe(fnValue));
  }
  c10::InferenceMode guard(enabled);
  return fnValue.As<Napi::Function>().Call({});
}

Napi::Value IsInferenceModeEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled());
}

// registerHook(tensor, fn) -> id. fn(grad) returns a replacement gradient or
// undefined. Called on the JS thread during backward(); autograd runs CPU
// work on the thread that called backward, other devices on their own threads,
// where JS cannot run: there the hook raises an error instead.
Napi::Value RegisterHook(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "registerHook", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "tensor");
    const Napi::Value fnValue = arg(info, 1);
    if (!fnValue.IsFunction()) throw ArgTypeError("expected function for hook but received " + describe(fnValue));
    if (!t.requires_grad()) throw ArgRangeError("cannot register a hook on a tensor that doesn't require gradient");
    auto ref = std::make_shared<Napi::FunctionReference>(Napi::Persistent(fnValue.As<Napi::Function>()));
    const Napi::Env env = info.Env();
    const std::thread::id jsThread = std::this_thread::get_id();
    const unsigned id = const_cast<at::Tensor&>(t).register_hook([ref, env, jsThread](const at::Tensor& grad) -> at::Tensor {
      if (std::this_thread::get_id() != jsThread) {
        throw std::runtime_error("tensor hooks run only when backward() computes on the calling thread (CPU tensors)");
      }
      Napi::HandleScope scope(env);
      Napi::Value result;
      try {
        result = ref->Call({Tensor::Wrap(env, grad)});
      } catch (const Napi::Error& e) {
        throw std::runtime_error(std::string("a tensor hook threw: ") + e.Message());
      }
      if (result.IsUndefined() || result.IsNull()) return at::Tensor();
      Tensor* replaced = Tensor::From(result);
      if (replaced == nullptr || replaced->disposed()) {
        throw std::runtime_error("a tensor hook must return a Tensor or undefined but returned " + describe(result));
      }
      return replaced->tensor();
    });
    return Napi::Number::New(env, id);
  });
}

// removeHook(tensor, id)
Napi::Value RemoveHook(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "removeHook", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "tensor");
    const int64_t id = intArg(arg(info, 1), "id");
    const_cast<at::Tensor&>(t).remove_hook(static_cast<unsigned>(id));
    return info.Env().Undefined();
  });
}

}  // namespace

void InitGradUtils(Napi::Env env, Napi::Object exports) {
  (void)env;
  exportFunction(exports, "clipGradNorm_", ClipGradNorm);
  exportFunction(exports, "clipGradValue_", ClipGradValue);
  exportFunction(exports, "vectorToParameters", VectorToParameters);
  exportFunction(exports, "inferenceMode", InferenceMode);
  exportFunction(exports, "isInferenceModeEnabled", IsInferenceModeEnabled);
  exportFunction(exports, "registerHook", RegisterHook);
  exportFunction(exports, "removeHook", RemoveHook);
}

}  // namespace ltr
