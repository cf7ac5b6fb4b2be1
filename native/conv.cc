// conv2d, as torch.nn.functional.conv2d calls it.
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

// conv2d(input, weight, bias?, stride, padding, dilation, groups)
// padding: number | [h, w] | 'same' | 'valid'
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "conv2d", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const at::Tensor& weight = tensorArg(arg(info, 1), "weight");
    const c10::optional<at::Tensor> bias = optionalTensorArg(arg(info, 2), "bias");
    const std::vector<int64_t> stride = intListArgAtLeast(arg(info, 3), "stride", 2, 1);
    Napi::Value paddingValue = arg(info, 4);
    const std::vector<int64_t> dilation = intListArgAtLeast(arg(info, 5), "dilation", 2, 1);
    // libtorch keeps groups in an int: 2**32 would become 0 (SIGFPE).
    const int64_t groups = intArgIn(arg(info, 6), "groups", 1, 2147483647);
    checkRange(groups >= 1, "groups must be >= 1 but received " + std::to_string(groups));
    checkRange(input.dim() == 3 || input.dim() == 4,
               "expected a 3-D (C, H, W) or 4-D (N, C, H, W) input but it has " + std::to_string(input.dim()) +
                   " dimensions");
    checkRange(weight.dim() == 4,
               "expected a 4-D weight (out, in / groups, kH, kW) but it has " + std::to_string(weight.dim()) +
                   " dimensions");
    if (paddingValue.IsString()) {
      const std::string mode = paddingValue.As<Napi::String>().Utf8Value();
      checkRange(mode == "same" || mode == "valid",
                 "padding must be 'same', 'valid', a number or [h, w] but received '" + mode + "'");
      return Tensor::Wrap(info.Env(), at::conv2d(input, weight, bias, stride, mode, dilation, groups));
    }
    const std::vector<int64_t> padding = intListArgAtLeast(paddingValue, "padding", 2, 0);
    return Tensor::Wrap(info.Env(), at::conv2d(input, weight, bias, stride, padding, dilation, groups));
  });
}

}  // namespace

void InitConv(Napi::Env, Napi::Object exports) { exportFunction(exports, "conv2d", Conv2d); }

}  // namespace ltr
