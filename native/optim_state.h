// The per-parameter state helpers the optimizer steps share (optim.cc: SGD,
// Adam, AdamW; rmsprop.cc): state tensors come in as one JS array per kind,
// with null where a parameter has no state yet, and go back as arrays in
// which only the new entries are new handles, so the optimizer's own state
// Tensors stay the same objects from step to step.
#pragma once

#include <string>
#include <vector>

#include <napi.h>

#include <ATen/ATen.h>

#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

// A list argument whose entries are Tensors or null (state not created yet):
// one per parameter.
inline std::vector<c10::optional<at::Tensor>> optionalTensorListArg(const Napi::Value& v, const char* name, size_t length) {
  if (!v.IsArray()) throw ArgTypeError(std::string("expected Array for ") + name + " but received " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() != length) {
    throw ArgRangeError(std::string(name) + " has " + std::to_string(a.Length()) + " entries but there are " +
                        std::to_string(length) + " parameters");
  }
  std::vector<c10::optional<at::Tensor>> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const std::string element = std::string(name) + "[" + std::to_string(i) + "]";
    out.push_back(optionalTensorArg(a.Get(i), element.c_str()));
  }
  return out;
}

// Returns the JS array with every null entry replaced by the new state tensor.
inline Napi::Array stateArray(Napi::Env env, const Napi::Value& original,
                              const std::vector<c10::optional<at::Tensor>>& before, const std::vector<at::Tensor>& after) {
  Napi::Array in = original.As<Napi::Array>();
  Napi::Array out = Napi::Array::New(env, after.size());
  for (uint32_t i = 0; i < after.size(); ++i) {
    if (before[i] || !after[i].defined()) {
      out.Set(i, in.Get(i));
    } else {
      out.Set(i, Tensor::Wrap(env, after[i]));
    }
  }
  return out;
}

// Optimizers update leaves only, and a gradient has its parameter's shape.
inline void checkParams(const std::vector<at::Tensor>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].is_leaf()) {
      throw ArgRangeError("params[" + std::to_string(i) + "] is not a leaf tensor (optimizers update leaves only)");
    }
    const at::Tensor& g = params[i].grad();
    if (g.defined() && !g.sizes().equals(params[i].sizes())) {
      throw ArgRangeError("params[" + std::to_string(i) + "].grad has the wrong shape");
    }
  }
}

}  // namespace ltr
