// linear: y = x W^T + b, via at::linear as torch.nn.functional.linear.
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

// linear(input, weight, bias?)
Napi::Value Linear(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "linear", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const at::Tensor& weight = tensorArg(arg(info, 1), "weight");
    const auto bias = optionalTensorArg(arg(info, 2), "bias");
    checkRange(weight.dim() == 2, "expected a 2-D weight (out, in) but it has " + std::to_string(weight.dim()) +
                                      " dimensions");
    checkRange(input.dim() >= 1, "expected an input with at least 1 dimension");
    if (input.size(-1) != weight.size(1)) {
      throw ArgRangeError("input has " + std::to_string(input.size(-1)) + " features in its last dimension but weight expects " +
                          std::to_string(weight.size(1)));
    }
    return Tensor::Wrap(info.Env(), at::linear(input, weight, bias));
  });
}

}  // namespace

void InitLinear(Napi::Env, Napi::Object exports) { exportFunction(exports, "linear", Linear); }

}  // namespace ltr
