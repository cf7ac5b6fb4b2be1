// RMSprop's step, replaying PyTorch 1.13's `_single_tensor_rmsprop`
// (torch/optim/rmsprop.py, the default on CPU) op for op with Python floats as
// doubles, so the weights are bit-identical. The step counter is a plain
// number kept by lib/optim/rmsprop.ts, as PyTorch keeps an int.
#include <c10/core/GradMode.h>
#include <torch/version.h>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "optim_state.h"
#include "tensor.h"

namespace ltr {

namespace {

// rmspropStep(params, squareAvgs, gradAvgs, momentumBuffers, lr, alpha, eps, weightDecay, momentum, centered, maximize)
//   -> { squareAvgs, gradAvgs, momentumBuffers }: the arrays passed in, new handles only for new state
//   (null where a parameter has no gradient and no state yet)
Napi::Value RmspropStep(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "RMSprop.step", [&]() -> Napi::Value {
    const std::vector<at::Tensor> params = tensorListArg(arg(info, 0), "params");
    const auto squareAvgs = optionalTensorListArg(arg(info, 1), "squareAvgs", params.size());
    const auto gradAvgs = optionalTensorListArg(arg(info, 2), "gradAvgs", params.size());
    const auto buffers = optionalTensorListArg(arg(info, 3), "momentumBuffers", params.size());
    const double lr = doubleArg(arg(info, 4), "lr");
    const double alpha = doubleArg(arg(info, 5), "alpha");
    const double eps = doubleArg(arg(info, 6), "eps");
    const double weightDecay = doubleArg(arg(info, 7), "weightDecay");
    const double momentum = doubleArg(arg(info, 8), "momentum");
    const bool centered = boolArg(arg(info, 9), "centered");
    const bool maximize = boolArg(arg(info, 10), "maximize");
    checkParams(params);
    c10::NoGradGuard noGrad;
    std::vector<at::Tensor> sq(params.size()), ga(params.size()), mb(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (squareAvgs[i]) sq[i] = *squareAvgs[i];
      if (gradAvgs[i]) ga[i] = *gradAvgs[i];
      if (buffers[i]) mb[i] = *buffers[i];
      const at::Tensor& param = params[i];
      if (!param.grad().defined()) continue;
      // State initialisation, as PyTorch's step() does before the update.
      if (!sq[i].defined()) sq[i] = at::zeros_like(param, at::MemoryFormat::Preserve);
      if (momentum > 0 && !mb[i].defined()) mb[i] = at::zeros_like(param, at::MemoryFormat::Preserve);
      if (centered && !ga[i].defined()) ga[i] = at::zeros_like(param, at::MemoryFormat::Preserve);
      at::Tensor grad = maximize ? at::neg(param.grad()) : param.grad();
      if (weightDecay != 0) grad = grad.add(param, weightDecay);
      sq[i].mul_(alpha).addcmul_(grad, grad, 1 - alpha);
      at::Tensor avg;
      if (centered) {
        // PyTorch 2.x moves grad_avg with lerp_ (1.13: mul_ + add_), as Adam's exp_avg.
#if TORCH_VERSION_MAJOR >= 2
        ga[i].lerp_(grad, 1 - alpha);
#else
        ga[i].mul_(alpha).add_(grad, 1 - alpha);
#endif
        avg = sq[i].addcmul(ga[i], ga[i], -1).sqrt_();
      } else {
        avg = sq[i].sqrt();
      }
      avg = avg.add_(eps);
      if (momentum > 0) {
        mb[i].mul_(momentum).addcdiv_(grad, avg);
        param.add_(mb[i], -lr);
      } else {
        param.addcdiv_(grad, avg, -lr);
      }
    }
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("squareAvgs", stateArray(info.Env(), info[1], squareAvgs, sq));
    out.Set("gradAvgs", stateArray(info.Env(), info[2], gradAvgs, ga));
    out.Set("momentumBuffers", stateArray(info.Env(), info[3], buffers, mb));
    return out;
  });
}

}  // namespace

void InitRmsprop(Napi::Env, Napi::Object exports) { exportFunction(exports, "rmspropStep", RmspropStep); }

}  // namespace ltr
