#include "args.h"

#include <cmath>
#include <cstdio>
#include <cctype>
#include <cstdlib>
#include <limits>

#include <ATen/detail/CUDAHooksInterface.h>

#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

// Largest integer a double (hence a JS number) holds exactly.
constexpr double kMaxSafeInteger = 9007199254740991.0;

[[noreturn]] void expected(const char* what, const char* name, const Napi::Value& got) {
  throw ArgTypeError(std::string("expected ") + what + " for " + name + " but received " +
                     describe(got));
}

}  // namespace

std::string describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "boolean";
    case napi_number:
      return "number";
    case napi_string:
      return "string";
    case napi_symbol:
      return "symbol";
    case napi_function:
      return "function";
    case napi_bigint:
      return "bigint";
    case napi_external:
      return "external";
    case napi_object: {
      if (Tensor* t = Tensor::From(v)) return t->disposed() ? "disposed Tensor" : "Tensor";
      if (v.IsArray()) return "Array";
      if (v.IsTypedArray()) return "TypedArray";
      // A TS-level Tensor passed where the native handle belongs means a
      // wrapper forgot to unwrap; say so instead of "object".
      return "object";
    }
  }
  return "unknown";
}

Napi::Value arg(const Napi::CallbackInfo& info, size_t index) {
  return index < info.Length() ? info[index] : info.Env().Undefined();
}

bool isTensor(const Napi::Value& v) { return Tensor::From(v) != nullptr; }

bool isNullish(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

const at::Tensor& tensorArg(const Napi::Value& v, const char* name) {
  Tensor* t = Tensor::From(v);
  if (t == nullptr) expected("Tensor", name, v);
  if (t->disposed()) {
    throw std::runtime_error(std::string(name) + " is a disposed Tensor (it was freed by dispose() or tidy())");
  }
  return t->tensor();
}

c10::optional<at::Tensor> optionalTensorArg(const Napi::Value& v, const char* name) {
  if (isNullish(v)) return c10::nullopt;
  Tensor* t = Tensor::From(v);
  if (t == nullptr) expected("Tensor or null", name, v);
  return tensorArg(v, name);
}

std::vector<at::Tensor> tensorListArg(const Napi::Value& v, const char* name) {
  if (!v.IsArray()) expected("Array of Tensor", name, v);
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const std::string element = std::string(name) + "[" + std::to_string(i) + "]";
    out.push_back(tensorArg(a.Get(i), element.c_str()));
  }
  return out;
}

bool boolArg(const Napi::Value& v, const char* name) {
  if (!v.IsBoolean()) expected("boolean", name, v);
  return v.As<Napi::Boolean>().Value();
}

double doubleArg(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) expected("number", name, v);
  return v.As<Napi::Number>().DoubleValue();
}

std::string numberString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  // The shortest digits that read back as the same double, as JS prints
  // them (Number.prototype.toString): plain notation for 1e-7 <= |d| < 1e21.
  char buf[64];
  int precision = 1;
  for (; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string text(buf);
  const size_t e = text.find('e');
  const int exponent = std::atoi(text.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i]))) digits += text[i];
  }
  const std::string sign = d < 0 ? "-" : "";
  const int n = static_cast<int>(digits.size());
  if (exponent >= 21 || exponent < -7) {
    std::string mantissa = digits.substr(0, 1) + (n > 1 ? "." + digits.substr(1) : "");
    return sign + mantissa + "e" + (exponent >= 0 ? "+" : "-") + std::to_string(std::abs(exponent));
  }
  if (exponent >= n - 1) return sign + digits + std::string(exponent - (n - 1), '0');
  if (exponent >= 0) return sign + digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
  return sign + "0." + std::string(-exponent - 1, '0') + digits;
}

std::string quoted(const std::string& s) {
  constexpr size_t kMax = 40;
  if (s.size() <= kMax) return "'" + s + "'";
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
  return "'" + s.substr(0, cut) + "...' (" + std::to_string(s.size()) + " bytes)";
}

int64_t intArg(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) expected("integer", name, v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > kMaxSafeInteger) {
    throw ArgRangeError(std::string("expected an integer for ") + name + " but received " + numberString(d));
  }
  return static_cast<int64_t>(d);
}

int64_t intArgIn(const Napi::Value& v, const char* name, int64_t min, int64_t max) {
  const int64_t x = intArg(v, name);
  if (x < min || x > max) {
    throw ArgRangeError(std::string(name) + " must be between " + std::to_string(min) + " and " +
                        std::to_string(max) + " but received " + std::to_string(x));
  }
  return x;
}

int32_t int32Arg(const Napi::Value& v, const char* name) {
  return static_cast<int32_t>(
      intArgIn(v, name, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

std::string stringArg(const Napi::Value& v, const char* name) {
  if (!v.IsString()) expected("string", name, v);
  return v.As<Napi::String>().Utf8Value();
}

std::vector<int64_t> intListArg(const Napi::Value& v, const char* name, size_t expand) {
  if (v.IsNumber() && expand > 0) return std::vector<int64_t>(expand, intArg(v, name));
  if (!v.IsArray()) {
    expected(expand > 0 ? "integer or Array of integers" : "Array of integers", name, v);
  }
  Napi::Array a = v.As<Napi::Array>();
  if (expand > 0 && a.Length() != expand) {
    throw ArgRangeError(std::string("expected ") + name + " to have " + std::to_string(expand) +
                        " elements but it has " + std::to_string(a.Length()));
  }
  std::vector<int64_t> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const std::string element = std::string(name) + "[" + std::to_string(i) + "]";
    out.push_back(intArg(a.Get(i), element.c_str()));
  }
  return out;
}

std::vector<int64_t> intListArgAtLeast(const Napi::Value& v, const char* name, size_t expand,
                                       int64_t min) {
  std::vector<int64_t> out = intListArg(v, name, expand);
  for (int64_t x : out) {
    checkRange(x >= min, std::string(name) + " must be >= " + std::to_string(min) +
                             " but received " + std::to_string(x));
  }
  return out;
}

std::vector<int64_t> shapeArg(const Napi::Value& v, const char* name) {
  return intListArgAtLeast(v, name, 0, 0);
}

namespace {

struct DtypeEntry {
  const char* name;
  at::ScalarType type;
};

constexpr DtypeEntry kDtypes[] = {
    {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf},
    {"bfloat16", at::kBFloat16}, {"int64", at::kLong}, {"int32", at::kInt},
    {"uint8", at::kByte},     {"bool", at::kBool},
};

}  // namespace

at::ScalarType dtypeArg(const Napi::Value& v, const char* name) {
  if (!v.IsString()) expected("dtype string", name, v);
  const std::string s = v.As<Napi::String>().Utf8Value();
  for (const auto& e : kDtypes) {
    if (s == e.name) return e.type;
  }
  throw ArgRangeError("unknown dtype " + quoted(s) + " for " + name +
                      " (expected float32, float64, float16, bfloat16, int64, int32, uint8 or bool)");
}

std::optional<at::ScalarType> optionalDtypeArg(const Napi::Value& v, const char* name) {
  if (isNullish(v)) return std::nullopt;
  return dtypeArg(v, name);
}

const char* dtypeName(at::ScalarType t) {
  for (const auto& e : kDtypes) {
    if (t == e.type) return e.name;
  }
  return c10::toString(t);
}

at::Device deviceArg(const Napi::Value& v, const char* name) {
  if (!v.IsString()) expected("device string", name, v);
  const std::string s = v.As<Napi::String>().Utf8Value();
  if (s == "cpu") return at::Device(at::kCPU);
  if (s == "cuda" || s.rfind("cuda:", 0) == 0) {
    if (!at::hasCUDA()) {
      throw std::runtime_error(
          "this libtorch was built without CUDA, so device " + quoted(s) +
          " is not available (torch.cuda.isAvailable() is false); use 'cpu' or build against a CUDA libtorch");
    }
    int index = 0;
    if (s.size() > 5) {
      const std::string digits = s.substr(5);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 3) {
        throw ArgRangeError("invalid device " + quoted(s) + " for " + name + " (expected 'cuda' or 'cuda:N')");
      }
      index = std::stoi(digits);
    }
    const int count = at::detail::getCUDAHooks().getNumGPUs();
    if (index >= count) {
      throw ArgRangeError("device " + quoted(s) + " does not exist: " + std::to_string(count) +
                          " CUDA device(s) visible");
    }
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw ArgRangeError("unknown device " + quoted(s) + " for " + name + " (expected 'cpu', 'cuda' or 'cuda:N')");
}

std::optional<at::Device> optionalDeviceArg(const Napi::Value& v, const char* name) {
  if (isNullish(v)) return std::nullopt;
  return deviceArg(v, name);
}

std::string deviceName(const at::Device& d) {
  if (d.is_cuda()) return "cuda:" + std::to_string(d.has_index() ? d.index() : 0);
  return d.str();
}

TensorOrScalar tensorOrScalarArg(const Napi::Value& v, const char* name) {
  TensorOrScalar out;
  if (v.IsNumber()) {
    out.scalar = v.As<Napi::Number>().DoubleValue();
    return out;
  }
  if (Tensor::From(v) == nullptr) expected("Tensor or number", name, v);
  out.tensor = tensorArg(v, name);
  return out;
}

at::Scalar numberScalar(double value) {
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) <= kMaxSafeInteger &&
      !(value == 0 && std::signbit(value))) {
    return at::Scalar(static_cast<int64_t>(value));
  }
  return at::Scalar(value);
}

void checkRange(bool ok, const std::string& message) {
  if (!ok) throw ArgRangeError(message);
}

}  // namespace ltr
