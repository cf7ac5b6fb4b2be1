// torch.nn.functional beyond the ResNet core: pad, dropout, the activations
// gelu/silu/leakyRelu/hardtanh, oneHot, normalize, cosineSimilarity. Each is
// the ATen op (or the exact composition) torch.nn.functional runs.
#include "addon.h"
#include "errors.h"
#include "opsupport.h"

namespace ltr {

namespace {

// pad(t, pad, mode, value?) -- pad lists (left, right, top, bottom, ...) from the last dim, as F.pad.
Napi::Value Pad(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "pad", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const std::vector<int64_t> pad = intListArg(arg(info, 1), "pad");
    const std::string mode = isNullish(arg(info, 2)) ? "constant" : stringArg(info[2], "mode");
    checkRange(mode == "constant" || mode == "reflect" || mode == "replicate" || mode == "circular",
               "mode must be 'constant', 'reflect', 'replicate' or 'circular' but received '" + mode + "'");
    checkRange(pad.size() % 2 == 0, "pad must have an even number of entries but it has " + std::to_string(pad.size()));
    checkRange(static_cast<int64_t>(pad.size() / 2) <= t.dim(),
               "pad has " + std::to_string(pad.size()) + " entries, more than twice the tensor's " +
                   std::to_string(t.dim()) + " dimensions");
    const auto value = optionalDoubleArg(arg(info, 3), "value");
    checkRange(!value || mode == "constant", "value is only used with mode 'constant'");
    return Tensor::Wrap(info.Env(), at::pad(t, pad, mode, value));
  });
}

// dropout(t, p, training, inPlace)
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "dropout", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const double p = doubleArg(arg(info, 1), "p");
    checkRange(p >= 0 && p <= 1, "p must be in [0, 1] but received " + c10::str(p));
    const bool training = flagArg(arg(info, 2), "training", true);
    // channelWise: dropout2d zeroes whole channels (PyTorch's _VF.feature_dropout).
    const bool channelWise = flagArg(arg(info, 4), "channelWise");
    if (flagArg(arg(info, 3), "inPlace")) {
      if (channelWise) at::feature_dropout_(t, p, training);
      else at::dropout_(t, p, training);
      return info[0];
    }
    return Tensor::Wrap(info.Env(), channelWise ? at::feature_dropout(t, p, training) : at::dropout(t, p, training));
  });
}

// gelu(t, approximate: 'none' | 'tanh')
Napi::Value Gelu(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "gelu", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const std::string approximate = isNullish(arg(info, 1)) ? "none" : stringArg(info[1], "approximate");
    checkRange(approximate == "none" || approximate == "tanh",
               "approximate must be 'none' or 'tanh' but received '" + approximate + "'");
    return Tensor::Wrap(info.Env(), at::gelu(t, approximate));
  });
}

// silu(t, inPlace?)
Napi::Value Silu(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "silu", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    if (flagArg(arg(info, 1), "inPlace")) return at::silu_(t), info[0];
    return Tensor::Wrap(info.Env(), at::silu(t));
  });
}

// leakyRelu(t, negativeSlope, inPlace?)
Napi::Value LeakyRelu(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "leakyRelu", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const at::Scalar slope(isNullish(arg(info, 1)) ? 0.01 : doubleArg(info[1], "negativeSlope"));
    if (flagArg(arg(info, 2), "inPlace")) return at::leaky_relu_(t, slope), info[0];
    return Tensor::Wrap(info.Env(), at::leaky_relu(t, slope));
  });
}

// hardtanh(t, minVal, maxVal, inPlace?)
Napi::Value Hardtanh(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "hardtanh", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const double lo = isNullish(arg(info, 1)) ? -1.0 : doubleArg(info[1], "minVal");
    const double hi = isNullish(arg(info, 2)) ? 1.0 : doubleArg(info[2], "maxVal");
    checkRange(lo <= hi, "minVal must be <= maxVal but received " + c10::str(lo) + " and " + c10::str(hi));
    if (flagArg(arg(info, 3), "inPlace")) return at::hardtanh_(t, lo, hi), info[0];
    return Tensor::Wrap(info.Env(), at::hardtanh(t, lo, hi));
  });
}

// oneHot(t, numClasses = -1)
Napi::Value OneHot(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "oneHot", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    requireIndexDtype(t, "input");
    const int64_t numClasses = isNullish(arg(info, 1)) ? -1 : intArg(info[1], "numClasses");
    checkRange(numClasses >= -1, "numClasses must be -1 (infer) or >= 0 but received " + std::to_string(numClasses));
    return Tensor::Wrap(info.Env(), at::one_hot(t, numClasses));
  });
}

// normalize(t, p, dim, eps) -- F.normalize: input / norm(p, dim, keepdim).clamp_min(eps).expand_as(input).
Napi::Value Normalize(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "normalize", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const double p = isNullish(arg(info, 1)) ? 2.0 : doubleArg(info[1], "p");
    const int64_t dim = isNullish(arg(info, 2)) ? 1 : intArg(info[2], "dim");
    const double eps = isNullish(arg(info, 3)) ? 1e-12 : doubleArg(info[3], "eps");
    requireFloating(t);
    const std::vector<int64_t> dims{dim};
    const at::Tensor denom =
        at::linalg_vector_norm(t, numberScalar(p), dims, true, c10::nullopt).clamp_min(eps).expand_as(t);
    return Tensor::Wrap(info.Env(), t / denom);
  });
}

// cosineSimilarity(a, b, dim, eps)
Napi::Value CosineSimilarity(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "cosineSimilarity", [&]() -> Napi::Value {
    const at::Tensor& a = tensorArg(arg(info, 0), "x1");
    const at::Tensor& b = tensorArg(arg(info, 1), "x2");
    const int64_t dim = isNullish(arg(info, 2)) ? 1 : intArg(info[2], "dim");
    const double eps = isNullish(arg(info, 3)) ? 1e-8 : doubleArg(info[3], "eps");
    return Tensor::Wrap(info.Env(), at::cosine_similarity(a, b, dim, eps));
  });
}

}  // namespace

void InitNnFunctional(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "pad", Pad);
  exportFunction(exports, "dropout", Dropout);
  exportFunction(exports, "gelu", Gelu);
  exportFunction(exports, "silu", Silu);
  exportFunction(exports, "leakyRelu", LeakyRelu);
  exportFunction(exports, "hardtanh", Hardtanh);
  exportFunction(exports, "oneHot", OneHot);
  exportFunction(exports, "normalize", Normalize);
  exportFunction(exports, "cosineSimilarity", CosineSimilarity);
}

}  // namespace ltr
