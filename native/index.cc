// Selection and indexing: narrow, select, slice, the multi-dim indexer (the
// C++ form of Python's x[...], at::indexing, so views, negative indices and
// advanced indexing behave as in PyTorch), indexSelect, gather, scatter,
// take, maskedSelect, indexPut_ and assignment through an index.
#include <ATen/TensorIndexing.h>

#include "addon.h"
#include "errors.h"
#include "opsupport.h"

namespace ltr {

namespace {

using at::indexing::TensorIndex;

// One entry of an index list, as lib/tensor.ts encodes it: an integer, null
// (a new axis), '...', a boolean, a Tensor (advanced indexing), or a slice
// as [start|null, stop|null, step|null].
TensorIndex indexEntry(const Napi::Value& v, size_t position) {
  const std::string name = "indices[" + std::to_string(position) + "]";
  if (v.IsNull()) return TensorIndex(at::indexing::None);
  if (v.IsNumber()) return TensorIndex(intArg(v, name.c_str()));
  if (v.IsBoolean()) return TensorIndex(v.As<Napi::Boolean>().Value());
  if (v.IsString()) {
    if (v.As<Napi::String>().Utf8Value() == "...") return TensorIndex(at::indexing::Ellipsis);
    throw ArgRangeError("unknown index '" + v.As<Napi::String>().Utf8Value() + "' at " + name);
  }
  if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    checkRange(a.Length() >= 1 && a.Length() <= 3,
               "a slice at " + name + " is [start, stop, step?] but it has " + std::to_string(a.Length()) + " entries");
    int64_t values[3] = {0, 0, 1};
    bool given[3] = {false, false, false};
    for (uint32_t i = 0; i < a.Length(); ++i) {
      const Napi::Value p = a.Get(i);
      if (isNullish(p)) continue;
      values[i] = intArg(p, (name + "[" + std::to_string(i) + "]").c_str());
      given[i] = true;
    }
    checkRange(!given[2] || values[2] > 0,
               "slice step must be positive but received " + std::to_string(values[2]) +
                   " at " + name + " (PyTorch has no negative steps either; use flip)");
    // With a positive step an open start is 0 and an open stop INDEX_MAX, exactly what Slice makes of
    // None; plain integers also convert to libtorch 2.x's SymInt bounds.
    return TensorIndex(at::indexing::Slice(given[0] ? values[0] : 0, given[1] ? values[1] : at::indexing::INDEX_MAX,
                                           values[2]));
  }
  if (isTensor(v)) {
    const at::Tensor& t = tensorArg(v, name.c_str());
    const auto st = t.scalar_type();
    if (st != at::kLong && st != at::kInt && st != at::kBool && st != at::kByte) {
      throw ArgTypeError("tensors used as indices must be int64, int32, bool or uint8 but " + name + " is " +
                         dtypeName(st));
    }
    return TensorIndex(t);
  }
  throw ArgTypeError("expected integer, slice [start, stop, step], null, '...', boolean or Tensor for " + name +
                     " but received " + describe(v));
}

std::vector<TensorIndex> indexListArg(const Napi::Value& v) {
  if (!v.IsArray()) throw ArgTypeError("expected Array of indices for indices but received " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  std::vector<TensorIndex> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(indexEntry(a.Get(i), i));
  return out;
}

// index(t, indices) -- x[...] in Python.
Napi::Value Index(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "index", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const std::vector<TensorIndex> indices = indexListArg(arg(info, 1));
    return Tensor::Wrap(info.Env(), t.index(indices));
  });
}

// setItem(t, indices, value) -- x[...] = value in Python (in place; value is
// a number or a tensor broadcast to the indexed shape).
Napi::Value SetItem(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "setItem", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const std::vector<TensorIndex> indices = indexListArg(arg(info, 1));
    const Napi::Value v = arg(info, 2);
    if (v.IsNumber()) {
      t.index_put_(indices, numberScalar(v.As<Napi::Number>().DoubleValue()));
    } else if (v.IsBoolean()) {
      t.index_put_(indices, at::Scalar(v.As<Napi::Boolean>().Value()));
    } else {
      if (!isTensor(v)) throw ArgTypeError("expected Tensor, number or boolean for value but received " + describe(v));
      t.index_put_(indices, tensorArg(v, "value"));
    }
    return info[0];
  });
}

// indexPut_(t, indices: (Tensor|null)[], values, accumulate)
Napi::Value IndexPut(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "indexPut_", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const Napi::Value list = arg(info, 1);
    if (!list.IsArray()) throw ArgTypeError("expected Array of Tensor or null for indices but received " + describe(list));
    Napi::Array a = list.As<Napi::Array>();
    c10::List<c10::optional<at::Tensor>> indices;
    for (uint32_t i = 0; i < a.Length(); ++i) {
      const std::string name = "indices[" + std::to_string(i) + "]";
      indices.push_back(optionalTensorArg(a.Get(i), name.c_str()));
    }
    const at::Tensor& values = tensorArg(arg(info, 2), "values");
    const bool accumulate = flagArg(arg(info, 3), "accumulate");
    t.index_put_(indices, values, accumulate);
    return info[0];
  });
}

Napi::Value Narrow(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "narrow", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    return Tensor::Wrap(info.Env(), t.narrow(intArg(arg(info, 1), "dim"), intArg(arg(info, 2), "start"),
                                             intArg(arg(info, 3), "length")));
  });
}

Napi::Value Select(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "select", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    return Tensor::Wrap(info.Env(), t.select(intArg(arg(info, 1), "dim"), intArg(arg(info, 2), "index")));
  });
}

// slice(t, dim, start?, end?, step?) -- x[..., start:end:step] along dim.
Napi::Value Slice(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "slice", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t dim = intArg(arg(info, 1), "dim");
    const auto start = optionalIntArg(arg(info, 2), "start");
    const auto end = optionalIntArg(arg(info, 3), "end");
    const int64_t step = isNullish(arg(info, 4)) ? 1 : intArg(info[4], "step");
    checkRange(step > 0, "step must be positive but received " + std::to_string(step) +
                             " (PyTorch has no negative steps either; use flip)");
    checkRange(t.dim() > 0, "cannot slice a 0-d tensor");
    return Tensor::Wrap(info.Env(), at::slice(t, dim, start, end, step));
  });
}

Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "indexSelect", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t dim = intArg(arg(info, 1), "dim");
    const at::Tensor& index = tensorArg(arg(info, 2), "index");
    checkRange(index.dim() <= 1, "index must be 0-d or 1-d but it has " + std::to_string(index.dim()) + " dimensions");
    return Tensor::Wrap(info.Env(), at::index_select(t, dim, index));
  });
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "gather", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t dim = intArg(arg(info, 1), "dim");
    const at::Tensor& index = tensorArg(arg(info, 2), "index");
    requireIndexDtype(index, "index");
    return Tensor::Wrap(info.Env(), at::gather(t, dim, index));
  });
}

// scatter(t, dim, index, src: Tensor | number, reduce?: 'add' | 'multiply', inPlace?)
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "scatter", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const int64_t dim = intArg(arg(info, 1), "dim");
    const at::Tensor& index = tensorArg(arg(info, 2), "index");
    requireIndexDtype(index, "index");
    const TensorOrScalar src = tensorOrScalarArg(arg(info, 3), "src");
    std::optional<std::string> reduce;
    if (!isNullish(arg(info, 4))) {
      reduce = stringArg(info[4], "reduce");
      checkRange(*reduce == "add" || *reduce == "multiply",
                 "reduce must be 'add' or 'multiply' but received '" + *reduce + "'");
    }
    const bool inPlace = flagArg(arg(info, 5), "inPlace");
    at::Tensor out;
    if (src.tensor) {
      if (inPlace) {
        reduce ? t.scatter_(dim, index, *src.tensor, *reduce) : t.scatter_(dim, index, *src.tensor);
      } else {
        out = reduce ? at::scatter(t, dim, index, *src.tensor, *reduce) : at::scatter(t, dim, index, *src.tensor);
      }
    } else {
      const at::Scalar value = numberScalar(src.scalar);
      if (inPlace) {
        reduce ? t.scatter_(dim, index, value, *reduce) : t.scatter_(dim, index, value);
      } else {
        out = reduce ? at::scatter(t, dim, index, value, *reduce) : at::scatter(t, dim, index, value);
      }
    }
    if (inPlace) return info[0];
    return Tensor::Wrap(info.Env(), std::move(out));
  });
}

// scatterAdd(t, dim, index, src, inPlace?) -- the differentiable sum form.
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "scatterAdd", [&]() -> Napi::Value {
    at::Tensor t = tensorArg(arg(info, 0), "input");
    const int64_t dim = intArg(arg(info, 1), "dim");
    const at::Tensor& index = tensorArg(arg(info, 2), "index");
    requireIndexDtype(index, "index");
    const at::Tensor& src = tensorArg(arg(info, 3), "src");
    if (flagArg(arg(info, 4), "inPlace")) {
      t.scatter_add_(dim, index, src);
      return info[0];
    }
    return Tensor::Wrap(info.Env(), at::scatter_add(t, dim, index, src));
  });
}

Napi::Value Take(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "take", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const at::Tensor& index = tensorArg(arg(info, 1), "index");
    requireIndexDtype(index, "index");
    return Tensor::Wrap(info.Env(), at::take(t, index));
  });
}

Napi::Value MaskedSelect(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "maskedSelect", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const at::Tensor& mask = tensorArg(arg(info, 1), "mask");
    if (mask.scalar_type() != at::kBool) {
      throw ArgTypeError(std::string("expected a bool tensor for mask but it is ") + dtypeName(mask.scalar_type()));
    }
    return Tensor::Wrap(info.Env(), at::masked_select(t, mask));
  });
}

}  // namespace

void InitIndex(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "index", Index);
  exportFunction(exports, "setItem", SetItem);
  exportFunction(exports, "indexPut_", IndexPut);
  exportFunction(exports, "narrow", Narrow);
  exportFunction(exports, "select", Select);
  exportFunction(exports, "slice", Slice);
  exportFunction(exports, "indexSelect", IndexSelect);
  exportFunction(exports, "gather", Gather);
  exportFunction(exports, "scatter", Scatter);
  exportFunction(exports, "scatterAdd", ScatterAdd);
  exportFunction(exports, "take", Take);
  exportFunction(exports, "maskedSelect", MaskedSelect);
}

}  // namespace ltr
