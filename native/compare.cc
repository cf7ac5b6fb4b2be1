// Comparisons and logic: eq ne lt le gt ge, where, isnan/isfinite/isinf,
// any/all, logical and/or/xor/not, maskedFill, nonzero. Each op is one ATen
// call, so results and promotion rules are PyTorch's.
#include <functional>
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

using BinaryFn = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;
using InPlaceBinaryFn = std::function<void(at::Tensor&, const at::Tensor&)>;

struct BinaryEntry {
  BinaryFn out;
  InPlaceBinaryFn inPlace;
};

const std::map<std::string, BinaryEntry>& binaryTable() {
  static const std::map<std::string, BinaryEntry> table = {
      {"eq", {[](auto& a, auto& b) { return at::eq(a, b); }, [](auto& a, auto& b) { a.eq_(b); }}},
      {"ne", {[](auto& a, auto& b) { return at::ne(a, b); }, [](auto& a, auto& b) { a.ne_(b); }}},
      {"lt", {[](auto& a, auto& b) { return at::lt(a, b); }, [](auto& a, auto& b) { a.lt_(b); }}},
      {"le", {[](auto& a, auto& b) { return at::le(a, b); }, [](auto& a, auto& b) { a.le_(b); }}},
      {"gt", {[](auto& a, auto& b) { return at::gt(a, b); }, [](auto& a, auto& b) { a.gt_(b); }}},
      {"ge", {[](auto& a, auto& b) { return at::ge(a, b); }, [](auto& a, auto& b) { a.ge_(b); }}},
      {"logicalAnd", {[](auto& a, auto& b) { return at::logical_and(a, b); }, [](auto& a, auto& b) { a.logical_and_(b); }}},
      {"logicalOr", {[](auto& a, auto& b) { return at::logical_or(a, b); }, [](auto& a, auto& b) { a.logical_or_(b); }}},
      {"logicalXor", {[](auto& a, auto& b) { return at::logical_xor(a, b); }, [](auto& a, auto& b) { a.logical_xor_(b); }}},
      {"maximum", {[](auto& a, auto& b) { return at::maximum(a, b); }, nullptr}},
      {"minimum", {[](auto& a, auto& b) { return at::minimum(a, b); }, nullptr}},
  };
  return table;
}

// compare(op, a, other, inPlace?): `other` is a tensor or a number (a number
// is a wrapped number, as Python's `x > 0.5` makes it).
Napi::Value CompareOp(const Napi::CallbackInfo& info) {
  const std::string op = isNullish(arg(info, 0)) || !info[0].IsString() ? "compare" : info[0].As<Napi::String>().Utf8Value();
  return guard(info.Env(), op.c_str(), [&]() -> Napi::Value {
    const auto& table = binaryTable();
    const auto entry = table.find(op);
    if (entry == table.end()) throw ArgRangeError("unknown comparison");
    at::Tensor a = tensorArg(arg(info, 1), "input");
    const at::Tensor b = tensorOrNumberArg(arg(info, 2), "other");
    if (flagArg(arg(info, 3), "inPlace")) {
      if (!entry->second.inPlace) throw ArgRangeError("has no in-place form");
      entry->second.inPlace(a, b);
      return info[1];
    }
    return Tensor::Wrap(info.Env(), entry->second.out(a, b));
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
    const at::Tensor a = tensorOrNumberArg(arg(info, 1), "input");
    const at::Tensor b = tensorOrNumberArg(arg(info, 2), "other");
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
