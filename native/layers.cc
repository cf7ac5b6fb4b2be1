// Layers beyond a ResNet's: layer_norm, group_norm, conv1d, embedding and
// upsampling, called as torch.nn.functional calls them in PyTorch 1.13.
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

// layerNorm(input, normalizedShape, weight?, bias?, eps)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "layerNorm", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const std::vector<int64_t> shape = shapeArg(arg(info, 1), "normalizedShape");
    const c10::optional<at::Tensor> weight = optionalTensorArg(arg(info, 2), "weight");
    const c10::optional<at::Tensor> bias = optionalTensorArg(arg(info, 3), "bias");
    const double eps = doubleArg(arg(info, 4), "eps");
    checkRange(eps > 0, "eps must be > 0");
    return Tensor::Wrap(info.Env(), at::layer_norm(input, shape, weight, bias, eps, true));
  });
}

// groupNorm(input, numGroups, weight?, bias?, eps)
Napi::Value GroupNorm(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "groupNorm", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const int64_t groups = intArg(arg(info, 1), "numGroups");
    const c10::optional<at::Tensor> weight = optionalTensorArg(arg(info, 2), "weight");
    const c10::optional<at::Tensor> bias = optionalTensorArg(arg(info, 3), "bias");
    const double eps = doubleArg(arg(info, 4), "eps");
    checkRange(groups >= 1, "numGroups must be >= 1 but received " + std::to_string(groups));
    checkRange(input.dim() >= 2, "expected an input with at least 2 dimensions (N, C, ...) but it has " + std::to_string(input.dim()));
    checkRange(input.size(1) % groups == 0, "the channels (" + std::to_string(input.size(1)) + ") must be divisible by numGroups (" + std::to_string(groups) + ")");
    return Tensor::Wrap(info.Env(), at::group_norm(input, groups, weight, bias, eps, true));
  });
}

// conv1d(input, weight, bias?, stride, padding, dilation, groups)
Napi::Value Conv1d(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "conv1d", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const at::Tensor& weight = tensorArg(arg(info, 1), "weight");
    const c10::optional<at::Tensor> bias = optionalTensorArg(arg(info, 2), "bias");
    const std::vector<int64_t> stride = intListArgAtLeast(arg(info, 3), "stride", 1, 1);
    const std::vector<int64_t> padding = intListArgAtLeast(arg(info, 4), "padding", 1, 0);
    const std::vector<int64_t> dilation = intListArgAtLeast(arg(info, 5), "dilation", 1, 1);
    const int64_t groups = intArg(arg(info, 6), "groups");
    checkRange(groups >= 1, "groups must be >= 1 but received " + std::to_string(groups));
    checkRange(input.dim() == 2 || input.dim() == 3, "expected a 2-D (C, L) or 3-D (N, C, L) input but it has " + std::to_string(input.dim()) + " dimensions");
    checkRange(weight.dim() == 3, "expected a 3-D weight (out, in / groups, k) but it has " + std::to_string(weight.dim()) + " dimensions");
    return Tensor::Wrap(info.Env(), at::conv1d(input, weight, bias, stride, padding, dilation, groups));
  });
}

// embedding(weight, indices, paddingIdx, scaleGradByFreq, sparse)
Napi::Value Embedding(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "embedding", [&]() -> Napi::Value {
    const at::Tensor& weight = tensorArg(arg(info, 0), "weight");
    const at::Tensor& indices = tensorArg(arg(info, 1), "indices");
    const int64_t paddingIdx = intArg(arg(info, 2), "paddingIdx");
    const bool scale = boolArg(arg(info, 3), "scaleGradByFreq");
    const bool sparse = boolArg(arg(info, 4), "sparse");
    checkRange(weight.dim() == 2, "expected a 2-D weight (numEmbeddings, embeddingDim) but it has " + std::to_string(weight.dim()) + " dimensions");
    if (indices.scalar_type() != at::kLong && indices.scalar_type() != at::kInt) {
      throw ArgTypeError(std::string("expected int64 or int32 indices but received ") + dtypeName(indices.scalar_type()));
    }
    return Tensor::Wrap(info.Env(), at::embedding(weight, indices, paddingIdx, scale, sparse));
  });
}

// upsample(input, size | null, scaleFactors | null, mode, alignCorners | null)
// mode: 'nearest' | 'bilinear' (2-D, as F.interpolate on an (N, C, H, W) input)
Napi::Value Upsample(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "upsample", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    checkRange(input.dim() == 4, "expected a 4-D (N, C, H, W) input but it has " + std::to_string(input.dim()) + " dimensions");
    // Plain vectors plus flags (GCC 12 warns about optional<vector> under -Werror).
    std::vector<int64_t> size;
    std::vector<double> scales;
    const bool hasSize = !isNullish(arg(info, 1));
    const bool hasScales = !isNullish(arg(info, 2));
    if (hasSize) size = intListArgAtLeast(arg(info, 1), "size", 2, 1);
    if (hasScales) {
      Napi::Value v = arg(info, 2);
      if (!v.IsArray()) throw ArgTypeError("expected [h, w] for scaleFactor but received " + describe(v));
      Napi::Array a = v.As<Napi::Array>();
      checkRange(a.Length() == 2, "scaleFactor must have 2 entries");
      for (uint32_t i = 0; i < 2; ++i) {
        const double f = doubleArg(a.Get(i), "scaleFactor");
        checkRange(f > 0, "scaleFactor must be > 0");
        scales.push_back(f);
      }
    }
    checkRange(hasSize != hasScales, "give exactly one of size and scaleFactor");
    const std::string mode = stringArg(arg(info, 3), "mode");
    c10::optional<at::IntArrayRef> sizeRef;
    if (hasSize) sizeRef = at::IntArrayRef(size);
    c10::optional<at::ArrayRef<double>> scaleRef;
    if (hasScales) scaleRef = at::ArrayRef<double>(scales);
    if (mode == "nearest") {
      checkRange(isNullish(arg(info, 4)), "alignCorners only applies to 'bilinear'");
      return Tensor::Wrap(info.Env(), at::upsample_nearest2d(input, sizeRef, scaleRef));
    }
    if (mode == "bilinear") {
      const bool alignCorners = isNullish(arg(info, 4)) ? false : boolArg(arg(info, 4), "alignCorners");
      return Tensor::Wrap(info.Env(), at::upsample_bilinear2d(input, sizeRef, alignCorners, scaleRef));
    }
    throw ArgRangeError("mode must be 'nearest' or 'bilinear' but received '" + mode + "'");
  });
}

}  // namespace

void InitLayers(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "layerNorm", LayerNorm);
  exportFunction(exports, "groupNorm", GroupNorm);
  exportFunction(exports, "conv1d", Conv1d);
  exportFunction(exports, "embedding", Embedding);
  exportFunction(exports, "upsample", Upsample);
}

}  // namespace ltr
