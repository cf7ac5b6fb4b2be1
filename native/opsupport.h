// Helpers shared by the op families of the tensor surface (compare, index,
// math, reduce, shape, creation, nnfunc): optional arguments, PyTorch-style
// wrapped numbers and multi-output results.
#pragma once

#include <napi.h>

#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "tensor.h"

namespace ltr {

// keepdim / inPlace / ...: undefined or null means `fallback`.
inline bool flagArg(const Napi::Value& v, const char* name, bool fallback = false) {
  return isNullish(v) ? fallback : boolArg(v, name);
}

inline c10::optional<int64_t> optionalIntArg(const Napi::Value& v, const char* name) {
  if (isNullish(v)) return c10::nullopt;
  return intArg(v, name);
}

inline c10::optional<double> optionalDoubleArg(const Napi::Value& v, const char* name) {
  if (isNullish(v)) return c10::nullopt;
  return doubleArg(v, name);
}

// A dims argument: a number, an array of numbers, or null/undefined for "all dimensions".
inline std::optional<std::vector<int64_t>> optionalDimsArg(const Napi::Value& v, const char* name) {
  if (isNullish(v)) return std::nullopt;
  if (v.IsNumber()) return std::vector<int64_t>{intArg(v, name)};
  return intListArg(v, name);
}

// A JS number as PyTorch's Python binding makes of a Python number: a 0-d
// "wrapped number" tensor, which takes part in type promotion like a scalar
// (int tensor + 2.5 -> float; float16 tensor * 3 stays float16).
// On `device` when given: ops such as where need every operand on one device,
// which is where PyTorch puts the scalar too.
inline at::Tensor wrappedNumber(double value, c10::optional<at::Device> device = c10::nullopt) {
  at::Tensor t = at::scalar_to_tensor(numberScalar(value), device.value_or(at::Device(at::kCPU)));
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

// A tensor argument or a JS number (as a wrapped number tensor).
inline at::Tensor tensorOrNumberArg(const Napi::Value& v, const char* name,
                                   c10::optional<at::Device> device = c10::nullopt) {
  const TensorOrScalar ts = tensorOrScalarArg(v, name);
  return ts.tensor ? *ts.tensor : wrappedNumber(ts.scalar, device);
}

// The dimension `dim` refers to, checked against the tensor ("dim 3 is out of
// range for a tensor with 2 dimensions"), with PyTorch's negative dims. A 0-d
// tensor accepts dims 0 and -1, as in PyTorch.
inline int64_t checkedDim(const at::Tensor& t, int64_t dim, const char* name = "dim") {
  const int64_t n = std::max<int64_t>(t.dim(), 1);
  if (dim < -n || dim >= n) {
    throw ArgRangeError(std::string(name) + " " + std::to_string(dim) + " is out of range for a tensor with " +
                        std::to_string(t.dim()) + " dimension" + (t.dim() == 1 ? "" : "s") + " (expected " +
                        std::to_string(-n) + " to " + std::to_string(n - 1) + ")");
  }
  return dim < 0 ? dim + n : dim;
}

inline void requireFloating(const at::Tensor& t, const char* what = "input") {
  if (!at::isFloatingType(t.scalar_type())) {
    throw ArgTypeError(std::string("expected a floating point tensor for ") + what + " but it is " +
                       dtypeName(t.scalar_type()));
  }
}

inline void requireIndexDtype(const at::Tensor& t, const char* what) {
  if (t.scalar_type() != at::kLong) {
    throw ArgTypeError(std::string("expected an int64 tensor for ") + what + " but it is " +
                       dtypeName(t.scalar_type()));
  }
}

// Several results (values and indices, the pieces of split, ...) as a JS array
// of handles; each is wrapped only after the op produced all of them.
inline Napi::Array wrapAll(Napi::Env env, std::vector<at::Tensor> tensors) {
  Napi::Array out = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) out.Set(static_cast<uint32_t>(i), Tensor::Wrap(env, std::move(tensors[i])));
  return out;
}

}  // namespace ltr
