// Pooling: maxPool2d, avgPool2d, adaptiveAvgPool2d.
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

void checkSpatialInput(const at::Tensor& input) {
  checkRange(input.dim() == 3 || input.dim() == 4,
             "expected a 3-D (C, H, W) or 4-D (N, C, H, W) input but it has " + std::to_string(input.dim()) +
                 " dimensions");
}

// PyTorch: "pad should be at most half of effective kernel size".
void checkPadding(const std::vector<int64_t>& padding, const std::vector<int64_t>& kernel,
                  const std::vector<int64_t>& dilation) {
  for (size_t i = 0; i < 2; ++i) {
    const int64_t effective = dilation[i] * (kernel[i] - 1) + 1;
    checkRange(padding[i] * 2 <= effective,
               "padding " + std::to_string(padding[i]) + " must be at most half of the (effective) kernel size " +
                   std::to_string(effective));
  }
}

// maxPool2d(input, kernelSize, stride?, padding, dilation, ceilMode);
// stride null means stride = kernelSize, as in PyTorch.
Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "maxPool2d", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const std::vector<int64_t> kernel = intListArgAtLeast(arg(info, 1), "kernelSize", 2, 1);
    const std::vector<int64_t> stride =
        isNullish(arg(info, 2)) ? kernel : intListArgAtLeast(info[2], "stride", 2, 1);
    const std::vector<int64_t> padding = intListArgAtLeast(arg(info, 3), "padding", 2, 0);
    const std::vector<int64_t> dilation = intListArgAtLeast(arg(info, 4), "dilation", 2, 1);
    const bool ceilMode = boolArg(arg(info, 5), "ceilMode");
    checkSpatialInput(input);
    checkPadding(padding, kernel, {1, 1});
    return Tensor::Wrap(info.Env(), at::max_pool2d(input, kernel, stride, padding, dilation, ceilMode));
  });
}

// avgPool2d(input, kernelSize, stride?, padding, ceilMode, countIncludePad, divisorOverride?)
Napi::Value AvgPool2d(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "avgPool2d", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const std::vector<int64_t> kernel = intListArgAtLeast(arg(info, 1), "kernelSize", 2, 1);
    const std::vector<int64_t> stride =
        isNullish(arg(info, 2)) ? kernel : intListArgAtLeast(info[2], "stride", 2, 1);
    const std::vector<int64_t> padding = intListArgAtLeast(arg(info, 3), "padding", 2, 0);
    const bool ceilMode = boolArg(arg(info, 4), "ceilMode");
    const bool countIncludePad = boolArg(arg(info, 5), "countIncludePad");
    c10::optional<int64_t> divisor;
    if (!isNullish(arg(info, 6))) {
      divisor = intArg(info[6], "divisorOverride");
      checkRange(*divisor != 0, "divisorOverride must not be 0");
    }
    checkSpatialInput(input);
    checkPadding(padding, kernel, {1, 1});
    return Tensor::Wrap(info.Env(),
                        at::avg_pool2d(input, kernel, stride, padding, ceilMode, countIncludePad, divisor));
  });
}

// adaptiveAvgPool2d(input, outputSize): number | [h, w], where a null entry
// keeps that input dimension (PyTorch's None).
Napi::Value AdaptiveAvgPool2d(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "adaptiveAvgPool2d", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    checkSpatialInput(input);
    Napi::Value sizeValue = arg(info, 1);
    std::vector<int64_t> size;
    if (sizeValue.IsArray()) {
      Napi::Array a = sizeValue.As<Napi::Array>();
      checkRange(a.Length() == 2, "expected outputSize to have 2 elements but it has " + std::to_string(a.Length()));
      for (uint32_t i = 0; i < 2; ++i) {
        Napi::Value v = a.Get(i);
        size.push_back(isNullish(v) ? input.size(input.dim() - 2 + i)
                                    : intArg(v, i == 0 ? "outputSize[0]" : "outputSize[1]"));
      }
    } else {
      size = intListArg(sizeValue, "outputSize", 2);
    }
    for (int64_t s : size) checkRange(s >= 1, "outputSize must be >= 1 but received " + std::to_string(s));
    return Tensor::Wrap(info.Env(), at::adaptive_avg_pool2d(input, size));
  });
}

}  // namespace

void InitPooling(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "maxPool2d", MaxPool2d);
  exportFunction(exports, "avgPool2d", AvgPool2d);
  exportFunction(exports, "adaptiveAvgPool2d", AdaptiveAvgPool2d);
}

}  // namespace ltr
