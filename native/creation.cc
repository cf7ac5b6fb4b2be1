// Creation ops of the tensor surface: zerosLike/onesLike/fullLike/emptyLike/
// randLike/randnLike, eye, linspace, logspace, randint, and the autograd-aware
// in-place fill_/zero_ of Tensor (factory.cc's fill_ is nn.init's, under
// no_grad). Random ones draw from the generator manualSeed seeds.
#include "addon.h"
#include "errors.h"
#include "opsupport.h"

namespace ltr {

namespace {

at::TensorOptions creationOptions(const Napi::CallbackInfo& info, size_t dtypeIndex, at::ScalarType fallback) {
  const at::ScalarType dtype = optionalDtypeArg(arg(info, dtypeIndex), "dtype").value_or(fallback);
  const at::Device device = optionalDeviceArg(arg(info, dtypeIndex + 1), "device").value_or(at::Device(at::kCPU));
  return at::TensorOptions().dtype(dtype).device(device);
}

at::Scalar fillValue(const Napi::Value& v) {
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  return numberScalar(doubleArg(v, "value"));
}

// like(kind, t, value?, dtype?): kind is zeros | ones | full | empty | rand | randn.
Napi::Value Like(const Napi::CallbackInfo& info) {
  const std::string kind = arg(info, 0).IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  const std::string op = kind + "Like";
  return guard(info.Env(), op.c_str(), [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 1), "input");
    at::TensorOptions o = t.options();
    if (auto d = optionalDtypeArg(arg(info, 3), "dtype")) o = o.dtype(*d);
    const bool random = kind == "rand" || kind == "randn";
    if (random && !at::isFloatingType(o.dtype().toScalarType())) {
      throw ArgTypeError(op + " needs a floating point dtype but the result would be " +
                         dtypeName(o.dtype().toScalarType()) + " (pass { dtype: 'float32' })");
    }
    at::Tensor out;
    if (kind == "zeros") out = at::zeros_like(t, o);
    else if (kind == "ones") out = at::ones_like(t, o);
    else if (kind == "empty") out = at::empty_like(t, o);
    else if (kind == "rand") out = at::rand_like(t, o);
    else if (kind == "randn") out = at::randn_like(t, o);
    else if (kind == "full") out = at::full_like(t, fillValue(arg(info, 2)), o);
    else throw ArgRangeError("unknown kind '" + kind + "'");
    return Tensor::Wrap(info.Env(), std::move(out));
  });
}

// eye(n, m?, dtype?, device?)
Napi::Value Eye(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "eye", [&]() -> Napi::Value {
    const int64_t n = intArg(arg(info, 0), "n");
    const int64_t m = isNullish(arg(info, 1)) ? n : intArg(info[1], "m");
    checkRange(n >= 0 && m >= 0, "n and m must be >= 0 but received " + std::to_string(n) + " and " + std::to_string(m));
    return Tensor::Wrap(info.Env(), at::eye(n, m, creationOptions(info, 2, at::kFloat)));
  });
}

// linspace(start, end, steps, dtype?, device?) / logspace(start, end, steps, base, dtype?, device?)
template <bool Log>
Napi::Value Space(const Napi::CallbackInfo& info) {
  return guard(info.Env(), Log ? "logspace" : "linspace", [&]() -> Napi::Value {
    const at::Scalar start = numberScalar(doubleArg(arg(info, 0), "start"));
    const at::Scalar end = numberScalar(doubleArg(arg(info, 1), "end"));
    const int64_t steps = intArg(arg(info, 2), "steps");
    checkRange(steps >= 0, "steps must be >= 0 but received " + std::to_string(steps));
    if (Log) {
      const double base = isNullish(arg(info, 3)) ? 10.0 : doubleArg(info[3], "base");
      return Tensor::Wrap(info.Env(), at::logspace(start, end, steps, base, creationOptions(info, 4, at::kFloat)));
    }
    return Tensor::Wrap(info.Env(), at::linspace(start, end, steps, creationOptions(info, 3, at::kFloat)));
  });
}

// randint(low, high, shape, dtype?, device?) -- int64 by default, as in PyTorch.
Napi::Value Randint(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "randint", [&]() -> Napi::Value {
    const int64_t low = intArg(arg(info, 0), "low");
    const int64_t high = intArg(arg(info, 1), "high");
    checkRange(low < high, "low must be < high but received low " + std::to_string(low) + " and high " +
                               std::to_string(high));
    const std::vector<int64_t> shape = shapeArg(arg(info, 2), "shape");
    return Tensor::Wrap(info.Env(), at::randint(low, high, shape, creationOptions(info, 3, at::kLong)));
  });
}

// fillTensor_(t, value) / zeroTensor_(t): Tensor.fill_ / zero_, recorded by autograd.
Napi::Value FillTensor(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "fill_", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const Napi::Value v = arg(info, 1);
    if (isTensor(v)) {
      const at::Tensor& value = tensorArg(v, "value");
      checkRange(value.dim() == 0, "value must be a number or a 0-d tensor but it is " + std::to_string(value.dim()) + "-d");
      t.fill_(value);
    } else {
      t.fill_(fillValue(v));
    }
    return info[0];
  });
}

Napi::Value ZeroTensor(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "zero_", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    t.zero_();
    return info[0];
  });
}

}  // namespace

void InitCreation(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "like", Like);
  exportFunction(exports, "eye", Eye);
  exportFunction(exports, "linspace", Space<false>);
  exportFunction(exports, "logspace", Space<true>);
  exportFunction(exports, "randint", Randint);
  exportFunction(exports, "fillTensor_", FillTensor);
  exportFunction(exports, "zeroTensor_", ZeroTensor);
}

}  // namespace ltr
