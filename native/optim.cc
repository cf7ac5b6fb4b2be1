// Optimizer steps, one native call per step for all parameters.
//
// Each step replays, op for op, PyTorch 1.13's single-tensor implementation
// (torch/optim/sgd.py `_single_tensor_sgd`, adam.py / adamw.py
// `_single_tensor_adam[w]`, the default on CPU), with Python floats as
// doubles, so the updated weights are bit-identical to PyTorch's. Doing the
// loop here rather than in JS saves a round trip per op per parameter.
#include <cmath>

#include <c10/core/GradMode.h>
#include <torch/version.h>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "optim_state.h"
#include "tensor.h"

namespace ltr {

namespace {

// sgdStep(params, momentumBuffers, lr, momentum, dampening, weightDecay, nesterov, maximize)
//   -> momentumBuffers. Parameters without a gradient are skipped, as in PyTorch.
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "SGD.step", [&]() -> Napi::Value {
    const std::vector<at::Tensor> params = tensorListArg(arg(info, 0), "params");
    const auto buffers = optionalTensorListArg(arg(info, 1), "momentumBuffers", params.size());
    const double lr = doubleArg(arg(info, 2), "lr");
    const double momentum = doubleArg(arg(info, 3), "momentum");
    const double dampening = doubleArg(arg(info, 4), "dampening");
    const double weightDecay = doubleArg(arg(info, 5), "weightDecay");
    const bool nesterov = boolArg(arg(info, 6), "nesterov");
    const bool maximize = boolArg(arg(info, 7), "maximize");
    checkParams(params);
    c10::NoGradGuard noGrad;
    std::vector<at::Tensor> after(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (buffers[i]) after[i] = *buffers[i];
      const at::Tensor& param = params[i];
      if (!param.grad().defined()) continue;
      at::Tensor d_p = maximize ? at::neg(param.grad()) : param.grad();
      if (weightDecay != 0) d_p = d_p.add(param, weightDecay);
      if (momentum != 0) {
        at::Tensor buf;
        if (!buffers[i]) {
          buf = d_p.clone().detach();
        } else {
          buf = *buffers[i];
          buf.mul_(momentum).add_(d_p, 1 - dampening);
        }
        after[i] = buf;
        d_p = nesterov ? d_p.add(buf, momentum) : buf;
      }
      param.add_(d_p, -lr);
    }
    return stateArray(info.Env(), info[1], buffers, after);
  });
}

// adamStep(params, steps, expAvgs, expAvgSqs, maxExpAvgSqs, lr, beta1, beta2, eps,
//          weightDecay, amsgrad, decoupledWeightDecay, maximize)
//   -> { steps, expAvgs, expAvgSqs, maxExpAvgSqs }
// decoupledWeightDecay selects AdamW's param.mul_(1 - lr * weight_decay).
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "Adam.step", [&]() -> Napi::Value {
    const std::vector<at::Tensor> params = tensorListArg(arg(info, 0), "params");
    const auto steps = optionalTensorListArg(arg(info, 1), "steps", params.size());
    const auto expAvgs = optionalTensorListArg(arg(info, 2), "expAvgs", params.size());
    const auto expAvgSqs = optionalTensorListArg(arg(info, 3), "expAvgSqs", params.size());
    const auto maxExpAvgSqs = optionalTensorListArg(arg(info, 4), "maxExpAvgSqs", params.size());
    const double lr = doubleArg(arg(info, 5), "lr");
    const double beta1 = doubleArg(arg(info, 6), "beta1");
    const double beta2 = doubleArg(arg(info, 7), "beta2");
    const double eps = doubleArg(arg(info, 8), "eps");
    const double weightDecay = doubleArg(arg(info, 9), "weightDecay");
    const bool amsgrad = boolArg(arg(info, 10), "amsgrad");
    const bool decoupled = boolArg(arg(info, 11), "decoupledWeightDecay");
    const bool maximize = boolArg(arg(info, 12), "maximize");
    checkParams(params);
    c10::NoGradGuard noGrad;
    const size_t n = params.size();
    std::vector<at::Tensor> stepOut(n), avgOut(n), sqOut(n), maxOut(n);
    for (size_t i = 0; i < n; ++i) {
      if (steps[i]) stepOut[i] = *steps[i];
      if (expAvgs[i]) avgOut[i] = *expAvgs[i];
      if (expAvgSqs[i]) sqOut[i] = *expAvgSqs[i];
      if (maxExpAvgSqs[i]) maxOut[i] = *maxExpAvgSqs[i];
      at::Tensor param = params[i];
      if (!param.grad().defined()) continue;
      // Lazy state, as Adam.step creates it: step = tensor(0.), zeros_like moments.
      if (!stepOut[i].defined()) stepOut[i] = at::zeros({}, at::TensorOptions().dtype(at::kFloat));
      if (!avgOut[i].defined()) avgOut[i] = at::zeros_like(param, at::MemoryFormat::Preserve);
      if (!sqOut[i].defined()) sqOut[i] = at::zeros_like(param, at::MemoryFormat::Preserve);
      if (amsgrad && !maxOut[i].defined()) maxOut[i] = at::zeros_like(param, at::MemoryFormat::Preserve);

      at::Tensor grad = maximize ? at::neg(param.grad()) : param.grad();
      stepOut[i].add_(1);
      if (decoupled) {
        param.mul_(1 - lr * weightDecay);
      } else if (weightDecay != 0) {
        grad = grad.add(param, weightDecay);
      }
      // PyTorch 2.x's Adam moves exp_avg with lerp_ (a different rounding than
      // 1.13's mul_ + add_); replay whichever the libtorch in use ships with.
#if TORCH_VERSION_MAJOR >= 2
      avgOut[i].lerp_(grad, 1 - beta1);
#else
      avgOut[i].mul_(beta1).add_(grad, 1 - beta1);
#endif
      sqOut[i].mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      const double step = stepOut[i].item().toDouble();
      const double biasCorrection1 = 1 - std::pow(beta1, step);
      const double biasCorrection2 = 1 - std::pow(beta2, step);
      const double stepSize = lr / biasCorrection1;
#if TORCH_VERSION_MAJOR >= 2
      const double biasCorrection2Sqrt = std::pow(biasCorrection2, 0.5);  // 2.x: bias_correction2**0.5
#else
      const double biasCorrection2Sqrt = std::sqrt(biasCorrection2);      // 1.13: math.sqrt(...)
#endif
      at::Tensor denom;
      if (amsgrad) {
        at::maximum_out(maxOut[i], maxOut[i], sqOut[i]);
        denom = (maxOut[i].sqrt() / biasCorrection2Sqrt).add_(eps);
      } else {
        denom = (sqOut[i].sqrt() / biasCorrection2Sqrt).add_(eps);
      }
      param.addcdiv_(avgOut[i], denom, -stepSize);
    }
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("steps", stateArray(env, info[1], steps, stepOut));
    out.Set("expAvgs", stateArray(env, info[2], expAvgs, avgOut));
    out.Set("expAvgSqs", stateArray(env, info[3], expAvgSqs, sqOut));
    out.Set("maxExpAvgSqs", stateArray(env, info[4], maxExpAvgSqs, maxOut));
    return out;
  });
}

// zeroGrad(params, setToNone): Optimizer.zero_grad / Module.zero_grad.
Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "zeroGrad", [&]() -> Napi::Value {
    const std::vector<at::Tensor> params = tensorListArg(arg(info, 0), "params");
    const bool setToNone = boolArg(arg(info, 1), "setToNone");
    for (const at::Tensor& p : params) {
      at::Tensor& g = p.mutable_grad();
      if (!g.defined()) continue;
      if (setToNone) {
        g.reset();
      } else {
        // As PyTorch 1.13: detach a grad that has a graph, then zero in place.
        if (g.grad_fn()) {
          g = g.detach();
        } else {
          g.requires_grad_(false);
        }
        g.zero_();
      }
    }
    return info.Env().Undefined();
  });
}

// mathCos(x) / mathPow(x, y): C's libm, which Python's math.cos and float
// ** call. V8's Math.cos / Math.pow are separate implementations that can
// differ in the last bit, and learning-rate schedules must match PyTorch's
// exactly (an lr off by one ulp changes every weight after it).
Napi::Value MathCos(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "mathCos", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), std::cos(doubleArg(arg(info, 0), "x")));
  });
}

Napi::Value MathPow(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "mathPow", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), std::pow(doubleArg(arg(info, 0), "x"), doubleArg(arg(info, 1), "y")));
  });
}

}  // namespace

void InitOptim(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "sgdStep", SgdStep);
  exportFunction(exports, "adamStep", AdamStep);
  exportFunction(exports, "zeroGrad", ZeroGrad);
  exportFunction(exports, "mathCos", MathCos);
  exportFunction(exports, "mathPow", MathPow);
}

}  // namespace ltr
