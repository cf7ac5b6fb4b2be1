// Views and reshapes. Dimension lists may hold -1 (reshape/view) or negative
// dims (permute/flatten) exactly as in PyTorch; libtorch validates them and its
// message is passed on behind the op name.
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"
#include "opsupport.h"

namespace ltr {

namespace {

Napi::Value Reshape(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "reshape", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const std::vector<int64_t> shape = intListArg(arg(info, 1), "shape");
    return Tensor::Wrap(info.Env(), t.reshape(shape));
  });
}

Napi::Value View(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "view", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const std::vector<int64_t> shape = intListArg(arg(info, 1), "shape");
    return Tensor::Wrap(info.Env(), t.view(shape));
  });
}

Napi::Value Permute(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "permute", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const std::vector<int64_t> dims = intListArg(arg(info, 1), "dims");
    checkRange(static_cast<int64_t>(dims.size()) == t.dim(),
               "dims has " + std::to_string(dims.size()) + " entries but the tensor has " +
                   std::to_string(t.dim()) + " dimensions");
    return Tensor::Wrap(info.Env(), t.permute(dims));
  });
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "transpose", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    return Tensor::Wrap(info.Env(), t.transpose(intArg(arg(info, 1), "dim0"), intArg(arg(info, 2), "dim1")));
  });
}

// flatten(t, startDim, endDim)
Napi::Value Flatten(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "flatten", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    return Tensor::Wrap(info.Env(), t.flatten(intArg(arg(info, 1), "startDim"), intArg(arg(info, 2), "endDim")));
  });
}

Napi::Value Unsqueeze(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "unsqueeze", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    return Tensor::Wrap(info.Env(), t.unsqueeze(intArg(arg(info, 1), "dim")));
  });
}

// squeeze(t, dim?) -- without dim, every size-1 dimension goes.
Napi::Value Squeeze(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "squeeze", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    if (isNullish(arg(info, 1))) return Tensor::Wrap(info.Env(), t.squeeze());
    return Tensor::Wrap(info.Env(), t.squeeze(intArg(info[1], "dim")));
  });
}

// cat(tensors, dim)
Napi::Value Cat(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "cat", [&]() -> Napi::Value {
    const std::vector<at::Tensor> tensors = tensorListArg(arg(info, 0), "tensors");
    checkRange(!tensors.empty(), "expected a non-empty list of tensors");
    return Tensor::Wrap(info.Env(), at::cat(tensors, intArg(arg(info, 1), "dim")));
  });
}


// ---------------------------------------------------------------------------
// Shapes of the tensor surface: stack, split, chunk, unbind, expand, repeat,
// flip, roll, t, mm, bmm, movedim. Views stay views (expand, t, movedim, and
// the pieces of split / chunk / unbind), as in PyTorch.

Napi::Value Stack(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "stack", [&]() -> Napi::Value {
    const std::vector<at::Tensor> tensors = tensorListArg(arg(info, 0), "tensors");
    checkRange(!tensors.empty(), "expected a non-empty list of tensors");
    return Tensor::Wrap(info.Env(), at::stack(tensors, intArg(arg(info, 1), "dim")));
  });
}

// split(t, sizeOrSections: number | number[], dim) -> Tensor[]
Napi::Value Split(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "split", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t dim = intArg(arg(info, 2), "dim");
    const Napi::Value sizes = arg(info, 1);
    if (sizes.IsNumber()) {
      const int64_t size = intArg(sizes, "splitSize");
      checkRange(size > 0 || (size == 0 && t.dim() > 0 && t.size(checkedDim(t, dim)) == 0),
                 "splitSize must be > 0 but received " + std::to_string(size));
      return wrapAll(info.Env(), at::split(t, size, dim));
    }
    const std::vector<int64_t> sections = intListArgAtLeast(sizes, "splitSizes", 0, 0);
    return wrapAll(info.Env(), at::split_with_sizes(t, sections, dim));
  });
}

Napi::Value Chunk(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "chunk", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t chunks = intArg(arg(info, 1), "chunks");
    checkRange(chunks > 0, "chunks must be > 0 but received " + std::to_string(chunks));
    return wrapAll(info.Env(), at::chunk(t, chunks, intArg(arg(info, 2), "dim")));
  });
}

Napi::Value Unbind(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "unbind", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    return wrapAll(info.Env(), at::unbind(t, intArg(arg(info, 1), "dim")));
  });
}

Napi::Value Expand(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "expand", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    return Tensor::Wrap(info.Env(), t.expand(intListArg(arg(info, 1), "sizes")));
  });
}

Napi::Value Repeat(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "repeat", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    return Tensor::Wrap(info.Env(), t.repeat(intListArgAtLeast(arg(info, 1), "repeats", 0, 0)));
  });
}

Napi::Value Flip(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "flip", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const auto dims = optionalDimsArg(arg(info, 1), "dims");
    checkRange(dims.has_value(), "dims is required");
    return Tensor::Wrap(info.Env(), at::flip(t, *dims));
  });
}

// roll(t, shifts, dims?) -- without dims the flattened tensor rolls, as in PyTorch.
Napi::Value Roll(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "roll", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const auto shifts = optionalDimsArg(arg(info, 1), "shifts");
    checkRange(shifts.has_value(), "shifts is required");
    const auto dims = optionalDimsArg(arg(info, 2), "dims");
    return Tensor::Wrap(info.Env(), at::roll(t, *shifts, dims ? *dims : std::vector<int64_t>{}));
  });
}

Napi::Value T(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "t", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    checkRange(t.dim() <= 2, "expects a tensor with <= 2 dimensions but it has " + std::to_string(t.dim()) +
                                 " (use transpose or permute)");
    return Tensor::Wrap(info.Env(), t.t());
  });
}

// mm(a, b) / bmm(a, b): exactly 2-d / 3-d operands, no broadcasting (unlike matmul).
template <bool Batched>
Napi::Value MatrixProduct(const Napi::CallbackInfo& info) {
  return guard(info.Env(), Batched ? "bmm" : "mm", [&]() -> Napi::Value {
    const at::Tensor& a = tensorArg(arg(info, 0), "input");
    const at::Tensor& b = tensorArg(arg(info, 1), "mat2");
    const int64_t want = Batched ? 3 : 2;
    checkRange(a.dim() == want && b.dim() == want,
               "expects " + std::to_string(want) + "-d tensors but received " + std::to_string(a.dim()) + "-d and " +
                   std::to_string(b.dim()) + "-d");
    return Tensor::Wrap(info.Env(), Batched ? at::bmm(a, b) : at::mm(a, b));
  });
}

Napi::Value Movedim(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "movedim", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const auto source = optionalDimsArg(arg(info, 1), "source");
    const auto destination = optionalDimsArg(arg(info, 2), "destination");
    checkRange(source && destination, "source and destination are required");
    return Tensor::Wrap(info.Env(), at::movedim(t, *source, *destination));
  });
}

}  // namespace

void InitShape(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "reshape", Reshape);
  exportFunction(exports, "view", View);
  exportFunction(exports, "permute", Permute);
  exportFunction(exports, "transpose", Transpose);
  exportFunction(exports, "flatten", Flatten);
  exportFunction(exports, "unsqueeze", Unsqueeze);
  exportFunction(exports, "squeeze", Squeeze);
  exportFunction(exports, "cat", Cat);
  exportFunction(exports, "stack", Stack);
  exportFunction(exports, "split", Split);
  exportFunction(exports, "chunk", Chunk);
  exportFunction(exports, "unbind", Unbind);
  exportFunction(exports, "expand", Expand);
  exportFunction(exports, "repeat", Repeat);
  exportFunction(exports, "flip", Flip);
  exportFunction(exports, "roll", Roll);
  exportFunction(exports, "t", T);
  exportFunction(exports, "mm", MatrixProduct<false>);
  exportFunction(exports, "bmm", MatrixProduct<true>);
  exportFunction(exports, "movedim", Movedim);
}

}  // namespace ltr
