// Activations: relu (and in place), softmax, logSoftmax.
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

// relu(t, inPlace?) -- the in-place form is what nn.ReLU(inplace=True) runs in
// torchvision's ResNet; autograd sees it as relu_ and saves the output.
Napi::Value Relu(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "relu", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const bool inPlace = isNullish(arg(info, 1)) ? false : boolArg(info[1], "inPlace");
    if (inPlace) {
      t.relu_();
      return info[0];
    }
    return Tensor::Wrap(info.Env(), at::relu(t));
  });
}

// softmax(t, dim, dtype?) / logSoftmax(t, dim, dtype?)
template <bool Log>
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  return guard(info.Env(), Log ? "logSoftmax" : "softmax", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const int64_t dim = intArg(arg(info, 1), "dim");
    c10::optional<at::ScalarType> dtype;
    if (auto d = optionalDtypeArg(arg(info, 2), "dtype")) dtype = *d;
    if (!dtype && !at::isFloatingType(t.scalar_type())) {
      throw ArgTypeError(std::string("expected a floating point tensor but it is ") + dtypeName(t.scalar_type()));
    }
    return Tensor::Wrap(info.Env(), Log ? at::log_softmax(t, dim, dtype) : at::softmax(t, dim, dtype));
  });
}

}  // namespace

void InitActivation(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "relu", Relu);
  exportFunction(exports, "softmax", Softmax<false>);
  exportFunction(exports, "logSoftmax", Softmax<true>);
}

}  // namespace ltr
