// Losses, as torch.nn.functional calls them.
#include <ATen/core/Reduction.h>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

int64_t reductionArg(const Napi::Value& v) {
  const std::string r = stringArg(v, "reduction");
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  if (r == "none") return at::Reduction::None;
  throw ArgRangeError("reduction must be 'mean', 'sum' or 'none' but received '" + r + "'");
}

// crossEntropy(input, target, weight?, reduction, ignoreIndex, labelSmoothing)
// target: class indices (int64) or class probabilities (same dtype as input).
Napi::Value CrossEntropy(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "crossEntropy", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const at::Tensor& target = tensorArg(arg(info, 1), "target");
    const auto weight = optionalTensorArg(arg(info, 2), "weight");
    const int64_t reduction = reductionArg(arg(info, 3));
    const int64_t ignoreIndex = intArg(arg(info, 4), "ignoreIndex");
    const double labelSmoothing = doubleArg(arg(info, 5), "labelSmoothing");
    checkRange(labelSmoothing >= 0 && labelSmoothing <= 1,
               "labelSmoothing must be in [0, 1] but received " + numberString(labelSmoothing));
    if (!at::isFloatingType(target.scalar_type()) && target.scalar_type() != at::kLong) {
      throw ArgTypeError(std::string("expected int64 class indices or floating point probabilities for target but it is ") +
                         dtypeName(target.scalar_type()));
    }
    // A floating point target is read as class probabilities, which need the
    // input's shape. Float class indices (labels that went through
    // to('float32')) would otherwise fail deep in ATen with "expected scalar
    // type Long but found Float", which does not say what to change.
    if (at::isFloatingType(target.scalar_type()) && !target.sizes().equals(input.sizes())) {
      throw ArgTypeError(std::string("a ") + dtypeName(target.scalar_type()) +
                         " target is read as class probabilities and must have the input's shape " +
                         c10::str(input.sizes()) + " but it has shape " + c10::str(target.sizes()) +
                         "; class indices must be int64");
    }
    return Tensor::Wrap(info.Env(),
                        at::cross_entropy_loss(input, target, weight, reduction, ignoreIndex, labelSmoothing));
  });
}


// ---------------------------------------------------------------------------
// The other losses of the tensor surface, as torch.nn.functional calls them.

// mseLoss(input, target, reduction) / l1Loss: F.mse_loss broadcasts both first.
template <bool L1>
Napi::Value PointwiseLoss(const Napi::CallbackInfo& info) {
  return guard(info.Env(), L1 ? "l1Loss" : "mseLoss", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const at::Tensor& target = tensorArg(arg(info, 1), "target");
    const int64_t reduction = reductionArg(arg(info, 2));
    const auto both = at::broadcast_tensors({input, target});
    return Tensor::Wrap(info.Env(), L1 ? at::l1_loss(both[0], both[1], reduction) : at::mse_loss(both[0], both[1], reduction));
  });
}

// nllLoss(input, target, weight?, reduction, ignoreIndex): log-probabilities (N, C, ...) and int64 classes.
Napi::Value NllLoss(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "nllLoss", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const at::Tensor& target = tensorArg(arg(info, 1), "target");
    const auto weight = optionalTensorArg(arg(info, 2), "weight");
    const int64_t reduction = reductionArg(arg(info, 3));
    const int64_t ignoreIndex = intArg(arg(info, 4), "ignoreIndex");
    if (target.scalar_type() != at::kLong) {
      throw ArgTypeError(std::string("expected int64 class indices for target but it is ") + dtypeName(target.scalar_type()));
    }
    return Tensor::Wrap(info.Env(), at::nll_loss_nd(input, target, weight, reduction, ignoreIndex));
  });
}

// binaryCrossEntropyWithLogits(input, target, weight?, posWeight?, reduction)
Napi::Value BceWithLogits(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "binaryCrossEntropyWithLogits", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const at::Tensor& target = tensorArg(arg(info, 1), "target");
    const auto weight = optionalTensorArg(arg(info, 2), "weight");
    const auto posWeight = optionalTensorArg(arg(info, 3), "posWeight");
    const int64_t reduction = reductionArg(arg(info, 4));
    checkRange(target.sizes().equals(input.sizes()), "target size " + c10::str(target.sizes()) +
                                                         " must be the same as input size " + c10::str(input.sizes()));
    return Tensor::Wrap(info.Env(), at::binary_cross_entropy_with_logits(input, target, weight, posWeight, reduction));
  });
}

}  // namespace

void InitLoss(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "crossEntropy", CrossEntropy);
  exportFunction(exports, "mseLoss", PointwiseLoss<false>);
  exportFunction(exports, "l1Loss", PointwiseLoss<true>);
  exportFunction(exports, "nllLoss", NllLoss);
  exportFunction(exports, "binaryCrossEntropyWithLogits", BceWithLogits);
}

}  // namespace ltr
