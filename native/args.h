// Argument readers shared by every op family.
//
// Each reader checks one argument and throws ArgTypeError / ArgRangeError with
// a message in sharp's form ("expected Tensor for weight but received number");
// `guard` then prefixes the op name. Checks run before any libtorch call, so a
// bad argument never reaches ATen.
#pragma once

#include <napi.h>

#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

namespace ltr {

// "number", "string", "Array", "null", "Tensor", "disposed Tensor", ...
std::string describe(const Napi::Value& v);

// The argument at `index`, or undefined when the caller passed fewer.
Napi::Value arg(const Napi::CallbackInfo& info, size_t index);

bool isTensor(const Napi::Value& v);
bool isNullish(const Napi::Value& v);

// A live (not disposed) tensor.
const at::Tensor& tensorArg(const Napi::Value& v, const char* name);
// null / undefined -> nullopt, otherwise a live tensor. c10::optional, the
// type ATen's optional arguments take, so results pass straight to at:: ops.
c10::optional<at::Tensor> optionalTensorArg(const Napi::Value& v, const char* name);
// An array of live tensors.
std::vector<at::Tensor> tensorListArg(const Napi::Value& v, const char* name);

bool boolArg(const Napi::Value& v, const char* name);
double doubleArg(const Napi::Value& v, const char* name);
// A whole number that fits int64 exactly (|x| <= 2^53).
int64_t intArg(const Napi::Value& v, const char* name);
// A whole number in [min, max]: for values that end up in a narrower C++ type
// (libtorch keeps e.g. conv groups and thread counts in an `int`), so a value
// like 2**32 is refused as given instead of being truncated to 0.
int64_t intArgIn(const Napi::Value& v, const char* name, int64_t min, int64_t max);
int32_t int32Arg(const Napi::Value& v, const char* name);
// A JS number as JavaScript prints it (4294967296, 1e+300, NaN, -Infinity),
// for messages: never std::to_string's truncated or padded forms.
std::string numberString(double d);
// A user-supplied string for a message: at most 40 characters, then "...".
std::string quoted(const std::string& s);
std::string stringArg(const Napi::Value& v, const char* name);

// A list of whole numbers. With `expand` > 0 a single number is repeated that
// many times and an array must have exactly that length (PyTorch's `_pair`).
std::vector<int64_t> intListArg(const Napi::Value& v, const char* name, size_t expand = 0);
// Like intListArg, then requires every element to be >= `min`.
std::vector<int64_t> intListArgAtLeast(const Napi::Value& v, const char* name, size_t expand,
                                       int64_t min);
// A shape: non-negative whole numbers.
std::vector<int64_t> shapeArg(const Napi::Value& v, const char* name);

// 'float32' | 'float64' | ... -> ScalarType. RangeError for an unknown name.
at::ScalarType dtypeArg(const Napi::Value& v, const char* name);
std::optional<at::ScalarType> optionalDtypeArg(const Napi::Value& v, const char* name);
const char* dtypeName(at::ScalarType t);

// 'cpu' | 'cuda' | 'cuda:N'. Asking for CUDA from a libtorch without it throws
// a clear error here instead of an obscure dispatcher message later.
at::Device deviceArg(const Napi::Value& v, const char* name);
std::optional<at::Device> optionalDeviceArg(const Napi::Value& v, const char* name);
std::string deviceName(const at::Device& d);

// A tensor or a plain number (the `other` of add/sub/mul/div).
struct TensorOrScalar {
  std::optional<at::Tensor> tensor;
  double scalar = 0;
};
TensorOrScalar tensorOrScalarArg(const Napi::Value& v, const char* name);

// A JS number as the Scalar Python would make of it: whole numbers within the
// exact range become int64 (a Python int), everything else double.
at::Scalar numberScalar(double value);

// Raises ArgRangeError when `ok` is false.
void checkRange(bool ok, const std::string& message);

}  // namespace ltr
