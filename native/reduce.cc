// Reductions and comparisons.
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"
#include "opsupport.h"

#include <torch/version.h>

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


// ---------------------------------------------------------------------------
// Reductions along a dimension (the tensor surface): two-output ops return
// [values, indices] and lib/tensor.ts names them as PyTorch's namedtuples do.

// maxDim(t, dim, keepdim) / minDim -> [values, indices]
template <bool Max>
Napi::Value ExtremeDim(const Napi::CallbackInfo& info) {
  return guard(info.Env(), Max ? "max" : "min", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t dim = intArg(arg(info, 1), "dim");
    const bool keepdim = flagArg(arg(info, 2), "keepdim");
    auto r = Max ? at::max(t, dim, keepdim) : at::min(t, dim, keepdim);
    return wrapAll(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });
}

// argmin(t, dim?, keepdim?)
Napi::Value Argmin(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "argmin", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    return Tensor::Wrap(info.Env(), at::argmin(t, optionalIntArg(arg(info, 1), "dim"), flagArg(arg(info, 2), "keepdim")));
  });
}

// prod(t, dim?, keepdim?, dtype?) -- one dim at most, as in PyTorch.
Napi::Value Prod(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "prod", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const auto dim = optionalIntArg(arg(info, 1), "dim");
    const bool keepdim = flagArg(arg(info, 2), "keepdim");
    c10::optional<at::ScalarType> dtype;
    if (auto d = optionalDtypeArg(arg(info, 3), "dtype")) dtype = *d;
    return Tensor::Wrap(info.Env(), dim ? at::prod(t, *dim, keepdim, dtype) : at::prod(t, dtype));
  });
}

// stdVar(t, isStd, dims?, correction, keepdim)
Napi::Value StdVar(const Napi::CallbackInfo& info) {
  // Read inside a guard too: an exception escaping a callback aborts the process.
  const bool isStd = guard(info.Env(), "std/var", [&] { return flagArg(arg(info, 1), "isStd"); });
  return guard(info.Env(), isStd ? "std" : "var", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const auto dims = optionalDimsArg(arg(info, 2), "dim");
    const int64_t correction = isNullish(arg(info, 3)) ? 1 : intArg(info[3], "correction");
    checkRange(correction >= 0, "correction must be >= 0 but received " + std::to_string(correction));
    const bool keepdim = flagArg(arg(info, 4), "keepdim");
    requireFloating(t);
    at::OptionalIntArrayRef dimRef;
    if (dims) dimRef = *dims;
#if TORCH_VERSION_MAJOR >= 2
    const c10::optional<at::Scalar> corr{at::Scalar(correction)};  // 2.x takes a Scalar correction
#else
    const c10::optional<int64_t> corr(correction);
#endif
    return Tensor::Wrap(info.Env(), isStd ? at::std(t, dimRef, corr, keepdim) : at::var(t, dimRef, corr, keepdim));
  });
}

// norm(t, p, dims?, keepdim) -- torch.norm / Tensor.norm, which run linalg.vector_norm.
Napi::Value Norm(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "norm", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const double p = isNullish(arg(info, 1)) ? 2.0 : doubleArg(info[1], "p");
    const auto dims = optionalDimsArg(arg(info, 2), "dim");
    const bool keepdim = flagArg(arg(info, 3), "keepdim");
    requireFloating(t);
    at::OptionalIntArrayRef dimRef;
    if (dims) dimRef = *dims;
    return Tensor::Wrap(info.Env(), at::linalg_vector_norm(t, numberScalar(p), dimRef, keepdim, c10::nullopt));
  });
}

// logsumexp(t, dims, keepdim)
Napi::Value Logsumexp(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "logsumexp", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const auto dims = optionalDimsArg(arg(info, 1), "dim");
    checkRange(dims.has_value(), "dim is required (a number or an array of numbers)");
    return Tensor::Wrap(info.Env(), at::logsumexp(t, *dims, flagArg(arg(info, 2), "keepdim")));
  });
}

// cumsum(t, dim, dtype?) / cumprod
template <bool Prod>
Napi::Value Cumulative(const Napi::CallbackInfo& info) {
  return guard(info.Env(), Prod ? "cumprod" : "cumsum", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t dim = intArg(arg(info, 1), "dim");
    c10::optional<at::ScalarType> dtype;
    if (auto d = optionalDtypeArg(arg(info, 2), "dtype")) dtype = *d;
    return Tensor::Wrap(info.Env(), Prod ? at::cumprod(t, dim, dtype) : at::cumsum(t, dim, dtype));
  });
}

// topk(t, k, dim, largest, sorted) -> [values, indices]
Napi::Value Topk(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "topk", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t k = intArg(arg(info, 1), "k");
    const int64_t dim = isNullish(arg(info, 2)) ? -1 : intArg(info[2], "dim");
    const bool largest = flagArg(arg(info, 3), "largest", true);
    const bool sorted = flagArg(arg(info, 4), "sorted", true);
    checkRange(k >= 0, "k must be >= 0 but received " + std::to_string(k));
    const int64_t size = t.dim() == 0 ? 1 : t.size(checkedDim(t, dim));
    checkRange(k <= size, "k (" + std::to_string(k) + ") is larger than the size of dim " + std::to_string(dim) +
                              " (" + std::to_string(size) + ")");
    auto r = at::topk(t, k, dim, largest, sorted);
    return wrapAll(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });
}

// sort(t, dim, descending, stable) -> [values, indices]
Napi::Value Sort(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "sort", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t dim = isNullish(arg(info, 1)) ? -1 : intArg(info[1], "dim");
    const bool descending = flagArg(arg(info, 2), "descending");
    const bool stable = flagArg(arg(info, 3), "stable");
    auto r = at::sort(t, stable, dim, descending);
    return wrapAll(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });
}

// argsort(t, dim, descending, stable)
Napi::Value Argsort(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "argsort", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t dim = isNullish(arg(info, 1)) ? -1 : intArg(info[1], "dim");
    const bool descending = flagArg(arg(info, 2), "descending");
    const bool stable = flagArg(arg(info, 3), "stable");
    return Tensor::Wrap(info.Env(), stable ? at::argsort(t, true, dim, descending) : at::argsort(t, dim, descending));
  });
}

// unique(t, sorted, returnInverse, returnCounts, dim?) -> [output, inverseIndices, counts],
// through the same ATen ops torch.unique calls (_unique2, or unique_dim with a dim).
Napi::Value Unique(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "unique", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const bool sorted = flagArg(arg(info, 1), "sorted", true);
    const bool inverse = flagArg(arg(info, 2), "returnInverse");
    const bool counts = flagArg(arg(info, 3), "returnCounts");
    const auto dim = optionalIntArg(arg(info, 4), "dim");
    auto r = dim ? at::unique_dim(t, *dim, sorted, inverse, counts) : at::_unique2(t, sorted, inverse, counts);
    return wrapAll(info.Env(), {std::get<0>(r), std::get<1>(r), std::get<2>(r)});
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
  exportFunction(exports, "maxDim", ExtremeDim<true>);
  exportFunction(exports, "minDim", ExtremeDim<false>);
  exportFunction(exports, "argmin", Argmin);
  exportFunction(exports, "prod", Prod);
  exportFunction(exports, "stdVar", StdVar);
  exportFunction(exports, "norm", Norm);
  exportFunction(exports, "logsumexp", Logsumexp);
  exportFunction(exports, "cumsum", Cumulative<false>);
  exportFunction(exports, "cumprod", Cumulative<true>);
  exportFunction(exports, "topk", Topk);
  exportFunction(exports, "sort", Sort);
  exportFunction(exports, "argsort", Argsort);
  exportFunction(exports, "unique", Unique);
}

}  // namespace ltr
