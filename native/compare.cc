// Comparisons and logic: eq ne lt le gt ge, where, isnan/isfinite/isinf,
// any/all, logical and/or/xor/not, maskedFill, nonzero. Each op is one ATen
// call, so results and promotion rules are PyTorch's.
#include <map>

#include "addon.h"
#include "errors.h"
#include "opsupport.h"

namespace ltr {

namespace {

void requireBoolMask(const at::Tensor& mask, const char* name) {
  if (mask.scalar_type() != at::kBool) {
    throw ArgTypeError(std::string("expected a bool tensor for ") + name + " but it is " +
                       dtypeName(mask.scalar_type()) + " (make one with a comparison, e.g. x.gt(0))");
  }
}

using BinaryFn = at::Tensor (*)(const at::Tensor&, const at::Tensor&);

const std::map<std::string, BinaryFn>& binaryTable() {
  static const std::map<std::string, BinaryFn> table = {
      {"eq", [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }},
      {"ne", [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }},
      {"lt", [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }},
      {"le", [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }},
      {"gt", [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }},
      {"ge", [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }},
      {"logicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }},
      {"logicalOr", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }},
      {"logicalXor", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_xor(a, b); }},
      {"maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
      {"minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
  };
  return table;
}

// compareOp(op, a, other): `other` is a tensor or a number (a number is a
// wrapped number, as Python's `x > 0.5` makes it).
Napi::Value CompareOp(const Napi::CallbackInfo& info) {
  const std::string op = arg(info, 0).IsString() ? info[0].As<Napi::String>().Utf8Value() : "compare";
  return guard(info.Env(), op.c_str(), [&]() -> Napi::Value {
    const auto entry = binaryTable().find(op);
    if (entry == binaryTable().end()) throw ArgRangeError("unknown comparison");
    const at::Tensor& a = tensorArg(arg(info, 1), "input");
    const at::Tensor b = tensorOrNumberArg(arg(info, 2), "other");
    return Tensor::Wrap(info.Env(), entry->second(a, b));
  });
}

using UnaryFn = at::Tensor (*)(const at::Tensor&);

const std::map<std::string, UnaryFn>& predicateTable() {
  static const std::map<std::string, UnaryFn> table = {
      {"isnan", [](const at::Tensor& t) { return at::isnan(t); }},
      {"isfinite", [](const at::Tensor& t) { return at::isfinite(t); }},
      {"isinf", [](const at::Tensor& t) { return at::isinf(t); }},
      {"logicalNot", [](const at::Tensor& t) { return at::logical_not(t); }},
  };
  return table;
}

// predicate(op, t): isnan / isfinite / isinf / logicalNot.
Napi::Value Predicate(const Napi::CallbackInfo& info) {
  const std::string op = arg(info, 0).IsString() ? info[0].As<Napi::String>().Utf8Value() : "predicate";
  return guard(info.Env(), op.c_str(), [&]() -> Napi::Value {
    const auto entry = predicateTable().find(op);
    if (entry == predicateTable().end()) throw ArgRangeError("unknown predicate");
    return Tensor::Wrap(info.Env(), entry->second(tensorArg(arg(info, 1), "input")));
  });
}

// where(condition, input, other): input/other are tensors or numbers.
Napi::Value Where(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "where", [&]() -> Napi::Value {
    const at::Tensor& cond = tensorArg(arg(info, 0), "condition");
    requireBoolMask(cond, "condition");
    const at::Tensor a = tensorOrNumberArg(arg(info, 1), "input", cond.device());
    const at::Tensor b = tensorOrNumberArg(arg(info, 2), "other", cond.device());
    return Tensor::Wrap(info.Env(), at::where(cond, a, b));
  });
}

// any(t, dim?, keepdim?) / all(...)
template <bool Any>
Napi::Value AnyAll(const Napi::CallbackInfo& info) {
  return guard(info.Env(), Any ? "any" : "all", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const auto dim = optionalIntArg(arg(info, 1), "dim");
    const bool keepdim = flagArg(arg(info, 2), "keepdim");
    if (!dim) return Tensor::Wrap(info.Env(), Any ? at::any(t) : at::all(t));
    return Tensor::Wrap(info.Env(), Any ? at::any(t, *dim, keepdim) : at::all(t, *dim, keepdim));
  });
}

// maskedFill(t, mask, value, inPlace?): value is a number or a 0-d tensor.
Napi::Value MaskedFill(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "maskedFill", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const at::Tensor& mask = tensorArg(arg(info, 1), "mask");
    requireBoolMask(mask, "mask");
    const bool inPlace = flagArg(arg(info, 3), "inPlace");
    const Napi::Value v = arg(info, 2);
    if (v.IsNumber()) {
      const at::Scalar value = numberScalar(v.As<Napi::Number>().DoubleValue());
      if (inPlace) return t.masked_fill_(mask, value), info[0];
      return Tensor::Wrap(info.Env(), at::masked_fill(t, mask, value));
    }
    if (v.IsBoolean()) {
      const at::Scalar value(v.As<Napi::Boolean>().Value());
      if (inPlace) return t.masked_fill_(mask, value), info[0];
      return Tensor::Wrap(info.Env(), at::masked_fill(t, mask, value));
    }
    const at::Tensor& value = tensorArg(v, "value");
    checkRange(value.dim() == 0, "value must be a number or a 0-d tensor but it is " + std::to_string(value.dim()) + "-d");
    if (inPlace) return t.masked_fill_(mask, value), info[0];
    return Tensor::Wrap(info.Env(), at::masked_fill(t, mask, value));
  });
}

// nonzero(t) -> (count, ndim) int64 indices, in C order.
Napi::Value Nonzero(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "nonzero", [&]() -> Napi::Value {
    return Tensor::Wrap(info.Env(), at::nonzero(tensorArg(arg(info, 0), "input")));
  });
}

}  // namespace

void InitCompare(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "compareOp", CompareOp);
  exportFunction(exports, "predicate", Predicate);
  exportFunction(exports, "where", Where);
  exportFunction(exports, "any", AnyAll<true>);
  exportFunction(exports, "all", AnyAll<false>);
  exportFunction(exports, "maskedFill", MaskedFill);
  exportFunction(exports, "nonzero", Nonzero);
}

}  // namespace ltr
