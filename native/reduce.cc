// Reductions and comparisons.
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

// The dims argument of sum/mean: null/undefined means "all dimensions".
std::optional<std::vector<int64_t>> dimsArg(const Napi::Value& v) {
  if (isNullish(v)) return std::nullopt;
  if (v.IsNumber()) return std::vector<int64_t>{intArg(v, "dim")};
  return intListArg(v, "dim");
}

// sum(t, dims?, keepdim?, dtype?) / mean(...)
template <bool Mean>
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  return guard(info.Env(), Mean ? "mean" : "sum", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const auto dims = dimsArg(arg(info, 1));
    const bool keepdim = isNullish(arg(info, 2)) ? false : boolArg(info[2], "keepdim");
    const auto dtype = optionalDtypeArg(arg(info, 3), "dtype");
    if (Mean && !dtype && !at::isFloatingType(t.scalar_type())) {
      throw ArgTypeError(std::string("mean needs a floating point tensor (this one is ") +
                         dtypeName(t.scalar_type()) + "); pass a dtype or convert with to('float32')");
    }
    c10::optional<at::ScalarType> outType;
    if (dtype) outType = *dtype;
    if (!dims) {
      return Tensor::Wrap(info.Env(), Mean ? at::mean(t, outType) : at::sum(t, outType));
    }
    return Tensor::Wrap(info.Env(), Mean ? at::mean(t, *dims, keepdim, outType) : at::sum(t, *dims, keepdim, outType));
  });
}

// argmax(t, dim?, keepdim?) -- without dim, the index into the flattened tensor.
Napi::Value Argmax(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "argmax", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    c10::optional<int64_t> dim;
    if (!isNullish(arg(info, 1))) dim = intArg(info[1], "dim");
    const bool keepdim = isNullish(arg(info, 2)) ? false : boolArg(info[2], "keepdim");
    return Tensor::Wrap(info.Env(), at::argmax(t, dim, keepdim));
  });
}

// max(t) / min(t): the largest / smallest element, as a 0-d tensor.
template <bool Max>
Napi::Value Extreme(const Napi::CallbackInfo& info) {
  return guard(info.Env(), Max ? "max" : "min", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    checkRange(t.numel() > 0, "the tensor is empty, it has no largest or smallest element");
    return Tensor::Wrap(info.Env(), Max ? at::max(t) : at::min(t));
  });
}

// equal(a, b): same shape, same dtype and the same elements bit for bit
// (torch.equal; NaN is never equal to NaN).
Napi::Value Equal(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "equal", [&]() -> Napi::Value {
    const at::Tensor& a = tensorArg(arg(info, 0), "input");
    const at::Tensor& b = tensorArg(arg(info, 1), "other");
    if (a.scalar_type() != b.scalar_type() || !a.sizes().equals(b.sizes())) {
      return Napi::Boolean::New(info.Env(), false);
    }
    if (a.device() != b.device()) {
      throw std::runtime_error("tensors are on different devices (" + deviceName(a.device()) + " and " +
                               deviceName(b.device()) + ")");
    }
    return Napi::Boolean::New(info.Env(), at::equal(a, b));
  });
}

// allclose(a, b, rtol, atol, equalNan)
Napi::Value Allclose(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "allclose", [&]() -> Napi::Value {
    const at::Tensor& a = tensorArg(arg(info, 0), "input");
    const at::Tensor& b = tensorArg(arg(info, 1), "other");
    const double rtol = doubleArg(arg(info, 2), "rtol");
    const double atol = doubleArg(arg(info, 3), "atol");
    const bool equalNan = boolArg(arg(info, 4), "equalNan");
    checkRange(rtol >= 0 && atol >= 0, "rtol and atol must be >= 0");
    return Napi::Boolean::New(info.Env(), at::allclose(a, b, rtol, atol, equalNan));
  });
}

}  // namespace

void InitReduce(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "sum", Reduce<false>);
  exportFunction(exports, "mean", Reduce<true>);
  exportFunction(exports, "argmax", Argmax);
  exportFunction(exports, "max", Extreme<true>);
  exportFunction(exports, "min", Extreme<false>);
  exportFunction(exports, "equal", Equal);
  exportFunction(exports, "allclose", Allclose);
}

}  // namespace ltr
