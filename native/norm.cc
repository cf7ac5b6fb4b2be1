// Batch normalization, as torch.nn.functional.batch_norm calls it: in training
// the batch statistics normalize and the running statistics are updated in
// place (running = (1 - momentum) * running + momentum * batch, with the
// unbiased batch variance), exactly like PyTorch.
#include <ATen/Context.h>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

// batchNorm(input, runningMean?, runningVar?, weight?, bias?, training, momentum, eps)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "batchNorm", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const auto runningMean = optionalTensorArg(arg(info, 1), "runningMean");
    const auto runningVar = optionalTensorArg(arg(info, 2), "runningVar");
    const auto weight = optionalTensorArg(arg(info, 3), "weight");
    const auto bias = optionalTensorArg(arg(info, 4), "bias");
    const bool training = boolArg(arg(info, 5), "training");
    const double momentum = doubleArg(arg(info, 6), "momentum");
    const double eps = doubleArg(arg(info, 7), "eps");
    checkRange(eps > 0, "eps must be > 0");
    checkRange(momentum >= 0 && momentum <= 1, "momentum must be in [0, 1]");
    checkRange(input.dim() >= 2, "expected an input with at least 2 dimensions (N, C, ...) but it has " +
                                     std::to_string(input.dim()));
    checkRange(runningMean.has_value() == runningVar.has_value(),
               "runningMean and runningVar must both be given or both be null");
    if (!training) {
      checkRange(runningMean.has_value(), "evaluation mode needs runningMean and runningVar");
    }
    const int64_t channels = input.size(1);
    const auto checkChannels = [&](const c10::optional<at::Tensor>& t, const char* name) {
      if (t && (t->dim() != 1 || t->size(0) != channels)) {
        throw ArgRangeError(std::string(name) + " must have shape [" + std::to_string(channels) +
                            "] to match the input's channels");
      }
    };
    checkChannels(runningMean, "runningMean");
    checkChannels(runningVar, "runningVar");
    checkChannels(weight, "weight");
    checkChannels(bias, "bias");
    if (training) {
      // F.batch_norm's _verify_batch_size: one value per channel has no variance.
      int64_t perChannel = input.size(0);
      for (int64_t d = 2; d < input.dim(); ++d) perChannel *= input.size(d);
      checkRange(perChannel > 1, "expected more than 1 value per channel when training");
    }
    return Tensor::Wrap(info.Env(),
                        at::batch_norm(input, weight, bias, runningMean, runningVar, training,
                                       momentum, eps, at::globalContext().userEnabledCuDNN()));
  });
}

}  // namespace

void InitNorm(Napi::Env, Napi::Object exports) { exportFunction(exports, "batchNorm", BatchNorm); }

}  // namespace ltr
