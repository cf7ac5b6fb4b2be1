// Pointwise math: the unary functions (exp, log, sqrt, ..., with their
// in-place forms), pow, clamp, lerp, addcmul, addcdiv. One ATen call each,
// so results, promotion (int -> float for exp) and gradients are PyTorch's.
#include <map>

#include "addon.h"
#include "errors.h"
#include "opsupport.h"

namespace ltr {

namespace {

struct UnaryEntry {
  at::Tensor (*out)(const at::Tensor&);
  void (*inPlace)(at::Tensor&);
};

#define LTR_UNARY(js, aten) \
  { js, { [](const at::Tensor& t) { return at::aten(t); }, [](at::Tensor& t) { t.aten##_(); } } }

const std::map<std::string, UnaryEntry>& unaryTable() {
  static const std::map<std::string, UnaryEntry> table = {
      LTR_UNARY("exp", exp),         LTR_UNARY("expm1", expm1),   LTR_UNARY("log", log),
      LTR_UNARY("log1p", log1p),     LTR_UNARY("log2", log2),     LTR_UNARY("log10", log10),
      LTR_UNARY("sqrt", sqrt),       LTR_UNARY("rsqrt", rsqrt),   LTR_UNARY("abs", abs),
      LTR_UNARY("sign", sign),       LTR_UNARY("floor", floor),   LTR_UNARY("ceil", ceil),
      LTR_UNARY("round", round),     LTR_UNARY("trunc", trunc),   LTR_UNARY("frac", frac),
      LTR_UNARY("sigmoid", sigmoid), LTR_UNARY("tanh", tanh),     LTR_UNARY("sin", sin),
      LTR_UNARY("cos", cos),         LTR_UNARY("neg", neg),       LTR_UNARY("reciprocal", reciprocal),
      LTR_UNARY("square", square),
  };
  return table;
}

#undef LTR_UNARY

// unary(op, t, inPlace?)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const std::string op = arg(info, 0).IsString() ? info[0].As<Napi::String>().Utf8Value() : "unary";
  const bool inPlace = arg(info, 2).IsBoolean() && info[2].As<Napi::Boolean>().Value();
  return guard(info.Env(), (inPlace ? op + "_" : op).c_str(), [&]() -> Napi::Value {
    const auto entry = unaryTable().find(op);
    if (entry == unaryTable().end()) throw ArgRangeError("unknown pointwise function");
    at::Tensor t = tensorArg(arg(info, 1), "input");
    if (inPlace) {
      entry->second.inPlace(t);
      return info[1];
    }
    return Tensor::Wrap(info.Env(), entry->second.out(t));
  });
}

// pow(t, exponent: Tensor | number, inPlace?)
Napi::Value Pow(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "pow", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const TensorOrScalar e = tensorOrScalarArg(arg(info, 1), "exponent");
    const bool inPlace = flagArg(arg(info, 2), "inPlace");
    if (e.tensor) {
      if (inPlace) return t.pow_(*e.tensor), info[0];
      return Tensor::Wrap(info.Env(), at::pow(t, *e.tensor));
    }
    const at::Scalar exponent = numberScalar(e.scalar);
    if (inPlace) return t.pow_(exponent), info[0];
    return Tensor::Wrap(info.Env(), at::pow(t, exponent));
  });
}

// clamp(t, min?, max?, inPlace?): bounds are numbers or tensors (both the same kind), null for none.
Napi::Value Clamp(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "clamp", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const Napi::Value lo = arg(info, 1);
    const Napi::Value hi = arg(info, 2);
    const bool inPlace = flagArg(arg(info, 3), "inPlace");
    checkRange(!isNullish(lo) || !isNullish(hi), "at least one of min and max must be given");
    if (isTensor(lo) || isTensor(hi)) {
      const auto min = optionalTensorArg(lo, "min");
      const auto max = optionalTensorArg(hi, "max");
      if (inPlace) return t.clamp_(min, max), info[0];
      return Tensor::Wrap(info.Env(), at::clamp(t, min, max));
    }
    c10::optional<at::Scalar> min;
    c10::optional<at::Scalar> max;
    if (!isNullish(lo)) min = numberScalar(doubleArg(lo, "min"));
    if (!isNullish(hi)) max = numberScalar(doubleArg(hi, "max"));
    if (inPlace) return t.clamp_(min, max), info[0];
    return Tensor::Wrap(info.Env(), at::clamp(t, min, max));
  });
}

// lerp(start, end, weight: Tensor | number, inPlace?) = start + weight * (end - start)
Napi::Value Lerp(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "lerp", [&]() -> Napi::Value {
    at::Tensor start = tensorArg(arg(info, 0), "input");
    const at::Tensor& end = tensorArg(arg(info, 1), "end");
    const TensorOrScalar w = tensorOrScalarArg(arg(info, 2), "weight");
    const bool inPlace = flagArg(arg(info, 3), "inPlace");
    if (w.tensor) {
      if (inPlace) return start.lerp_(end, *w.tensor), info[0];
      return Tensor::Wrap(info.Env(), at::lerp(start, end, *w.tensor));
    }
    const at::Scalar weight(w.scalar);  // Python passes the weight as a float
    if (inPlace) return start.lerp_(end, weight), info[0];
    return Tensor::Wrap(info.Env(), at::lerp(start, end, weight));
  });
}

// addcmul(t, t1, t2, value, inPlace?) = t + value * t1 * t2 ; addcdiv: t + value * t1 / t2
template <bool Div>
Napi::Value Addc(const Napi::CallbackInfo& info) {
  return guard(info.Env(), Div ? "addcdiv" : "addcmul", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const at::Tensor& t1 = tensorArg(arg(info, 1), "tensor1");
    const at::Tensor& t2 = tensorArg(arg(info, 2), "tensor2");
    const at::Scalar value = isNullish(arg(info, 3)) ? at::Scalar(int64_t{1}) : numberScalar(doubleArg(info[3], "value"));
    if (flagArg(arg(info, 4), "inPlace")) {
      Div ? t.addcdiv_(t1, t2, value) : t.addcmul_(t1, t2, value);
      return info[0];
    }
    return Tensor::Wrap(info.Env(), Div ? at::addcdiv(t, t1, t2, value) : at::addcmul(t, t1, t2, value));
  });
}

}  // namespace

void InitMath(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "unary", Unary);
  exportFunction(exports, "pow", Pow);
  exportFunction(exports, "clamp", Clamp);
  exportFunction(exports, "lerp", Lerp);
  exportFunction(exports, "addcmul", Addc<false>);
  exportFunction(exports, "addcdiv", Addc<true>);
}

}  // namespace ltr
