// Element-wise arithmetic and matmul. `other` may be a tensor or a JS number;
// a number goes in as a "wrapped number" tensor, exactly what PyTorch's Python
// binding makes of a Python number, so type promotion matches (int tensor + 2.5
// -> float tensor; a whole JS number acts as a Python int).
#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

enum class BinaryOp { Add, Sub, Mul, Div };

// binary(a, other, alpha?, inPlace?) for add/sub (alpha scales `other`, as in
// torch.add(a, b, alpha=...)), mul and div.
Napi::Value Binary(const Napi::CallbackInfo& info, BinaryOp op, const char* name) {
  return guard(info.Env(), name, [&]() -> Napi::Value {
    const at::Tensor& a = tensorArg(arg(info, 0), "input");
    const TensorOrScalar other = tensorOrScalarArg(arg(info, 1), "other");
    const bool hasAlpha = op == BinaryOp::Add || op == BinaryOp::Sub;
    const at::Scalar alpha = hasAlpha && !isNullish(arg(info, 2)) ? numberScalar(doubleArg(info[2], "alpha"))
                                                                  : at::Scalar(int64_t{1});
    const bool inPlace = isNullish(arg(info, 3)) ? false : boolArg(info[3], "inPlace");
    at::Tensor b = other.tensor ? *other.tensor : at::scalar_to_tensor(numberScalar(other.scalar));
    if (!other.tensor) b.unsafeGetTensorImpl()->set_wrapped_number(true);
    at::Tensor out;
    switch (op) {
      case BinaryOp::Add:
        out = inPlace ? a.add_(b, alpha) : at::add(a, b, alpha);
        break;
      case BinaryOp::Sub:
        out = inPlace ? a.sub_(b, alpha) : at::sub(a, b, alpha);
        break;
      case BinaryOp::Mul:
        out = inPlace ? a.mul_(b) : at::mul(a, b);
        break;
      case BinaryOp::Div:
        out = inPlace ? a.div_(b) : at::div(a, b);
        break;
    }
    if (inPlace) return info[0];
    return Tensor::Wrap(info.Env(), std::move(out));
  });
}

Napi::Value Add(const Napi::CallbackInfo& info) { return Binary(info, BinaryOp::Add, "add"); }
Napi::Value Sub(const Napi::CallbackInfo& info) { return Binary(info, BinaryOp::Sub, "sub"); }
Napi::Value Mul(const Napi::CallbackInfo& info) { return Binary(info, BinaryOp::Mul, "mul"); }
Napi::Value Div(const Napi::CallbackInfo& info) { return Binary(info, BinaryOp::Div, "div"); }

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "matmul", [&]() -> Napi::Value {
    const at::Tensor& a = tensorArg(arg(info, 0), "input");
    const at::Tensor& b = tensorArg(arg(info, 1), "other");
    checkRange(a.dim() >= 1 && b.dim() >= 1, "both arguments need at least 1 dimension");
    return Tensor::Wrap(info.Env(), at::matmul(a, b));
  });
}

Napi::Value Neg(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "neg", [&]() -> Napi::Value {
    return Tensor::Wrap(info.Env(), at::neg(tensorArg(arg(info, 0), "input")));
  });
}

Napi::Value Abs(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "abs", [&]() -> Napi::Value {
    return Tensor::Wrap(info.Env(), at::abs(tensorArg(arg(info, 0), "input")));
  });
}

}  // namespace

void InitArith(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "add", Add);
  exportFunction(exports, "sub", Sub);
  exportFunction(exports, "mul", Mul);
  exportFunction(exports, "div", Div);
  exportFunction(exports, "matmul", Matmul);
  exportFunction(exports, "neg", Neg);
  exportFunction(exports, "abs", Abs);
}

}  // namespace ltr
