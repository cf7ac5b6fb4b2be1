// Views and reshapes. Dimension lists may hold -1 (reshape/view) or negative
// dims (permute/flatten) exactly as in PyTorch; libtorch validates them and its
// message is passed on behind the op name.
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

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
}

}  // namespace ltr
