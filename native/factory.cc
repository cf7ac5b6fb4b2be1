// Tensor factories and the random generator. On the main thread everything
// draws from libtorch's default CPU generator, the one torch.manual_seed seeds
// in Python, so the same seed and the same calls in the same order give the
// same numbers; each worker thread has its own (threadGenerator, tensor.h).
#include <cmath>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <c10/core/GradMode.h>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

at::TensorOptions options(const Napi::CallbackInfo& info, size_t dtypeIndex) {
  const at::ScalarType dtype = optionalDtypeArg(arg(info, dtypeIndex), "dtype").value_or(at::kFloat);
  const at::Device device = optionalDeviceArg(arg(info, dtypeIndex + 1), "device").value_or(at::Device(at::kCPU));
  return at::TensorOptions().dtype(dtype).device(device);
}

// zeros(shape, dtype?, device?) and friends share one shape.
template <at::Tensor (*Make)(at::IntArrayRef, at::TensorOptions)>
Napi::Value ShapeFactory(const Napi::CallbackInfo& info, const char* op) {
  return guard(info.Env(), op, [&]() -> Napi::Value {
    const std::vector<int64_t> shape = shapeArg(arg(info, 0), "shape");
    return Tensor::Wrap(info.Env(), Make(shape, options(info, 1)));
  });
}

at::Tensor makeZeros(at::IntArrayRef s, at::TensorOptions o) { return at::zeros(s, o); }
at::Tensor makeOnes(at::IntArrayRef s, at::TensorOptions o) { return at::ones(s, o); }
at::Tensor makeEmpty(at::IntArrayRef s, at::TensorOptions o) { return at::empty(s, o); }
at::Tensor makeRand(at::IntArrayRef s, at::TensorOptions o) {
  if (!at::isFloatingType(o.dtype().toScalarType())) throw ArgTypeError("rand needs a floating point dtype");
  return at::rand(s, threadGenerator(o.device()), o);
}
at::Tensor makeRandn(at::IntArrayRef s, at::TensorOptions o) {
  if (!at::isFloatingType(o.dtype().toScalarType())) throw ArgTypeError("randn needs a floating point dtype");
  return at::randn(s, threadGenerator(o.device()), o);
}

Napi::Value Zeros(const Napi::CallbackInfo& info) { return ShapeFactory<makeZeros>(info, "zeros"); }
Napi::Value Ones(const Napi::CallbackInfo& info) { return ShapeFactory<makeOnes>(info, "ones"); }
Napi::Value Empty(const Napi::CallbackInfo& info) { return ShapeFactory<makeEmpty>(info, "empty"); }
Napi::Value Rand(const Napi::CallbackInfo& info) { return ShapeFactory<makeRand>(info, "rand"); }
Napi::Value Randn(const Napi::CallbackInfo& info) { return ShapeFactory<makeRandn>(info, "randn"); }

// full(shape, value, dtype?, device?)
Napi::Value Full(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "full", [&]() -> Napi::Value {
    const std::vector<int64_t> shape = shapeArg(arg(info, 0), "shape");
    Napi::Value value = arg(info, 1);
    at::Scalar fill = value.IsBoolean() ? at::Scalar(value.As<Napi::Boolean>().Value())
                                        : at::Scalar(doubleArg(value, "value"));
    return Tensor::Wrap(info.Env(), at::full(shape, fill, options(info, 2)));
  });
}

// arange(start, end, step, dtype?, device?)
Napi::Value Arange(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "arange", [&]() -> Napi::Value {
    const double start = doubleArg(arg(info, 0), "start");
    const double end = doubleArg(arg(info, 1), "end");
    const double step = doubleArg(arg(info, 2), "step");
    checkRange(step != 0, "step must be non-zero");
    checkRange((end - start) / step >= 0 || start == end,
               "upper bound and step are inconsistent (start " + numberString(start) + ", end " +
                   numberString(end) + ", step " + numberString(step) + ")");
    at::TensorOptions o = options(info, 3);
    // Integer dtypes take integer Scalars, as PyTorch passes Python ints.
    if (at::isIntegralType(o.dtype().toScalarType(), /*includeBool=*/false)) {
      // Casting a double outside int64 is undefined behaviour: refuse it.
      for (const double v : {start, end, step}) {
        checkRange(std::isfinite(v) && std::fabs(v) < 9223372036854775808.0,
                   "start, end and step must be finite and within int64 for an integer dtype but received " + numberString(v));
      }
      return Tensor::Wrap(info.Env(), at::arange(at::Scalar(static_cast<int64_t>(start)),
                                                 at::Scalar(static_cast<int64_t>(end)),
                                                 at::Scalar(static_cast<int64_t>(step)), o));
    }
    return Tensor::Wrap(info.Env(), at::arange(start, end, step, o));
  });
}

// randperm(n, dtype?, device?) -- the shuffle of torch.utils.data.RandomSampler.
Napi::Value Randperm(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "randperm", [&]() -> Napi::Value {
    const int64_t n = intArg(arg(info, 0), "n");
    checkRange(n >= 0, "n must be >= 0");
    const at::ScalarType dtype = optionalDtypeArg(arg(info, 1), "dtype").value_or(at::kLong);
    return Tensor::Wrap(info.Env(), at::randperm(n, threadGenerator(), at::TensorOptions().dtype(dtype)));
  });
}

// manualSeed(seed): what torch.manual_seed does (CPU generator, and every CUDA
// generator when libtorch has CUDA).
Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "manualSeed", [&]() -> Napi::Value {
    const int64_t seed = intArg(arg(info, 0), "seed");
    auto generator = threadCpuGenerator();  // this thread's (see tensor.h)
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_current_seed(static_cast<uint64_t>(seed));
    }
    if (at::hasCUDA()) {
      for (int i = 0; i < at::detail::getCUDAHooks().getNumGPUs(); ++i) {
        // Context::defaultGenerator exists in 1.13 and 2.x (the hook it wraps moved).
        auto cudaGenerator = at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(i)));
        std::lock_guard<std::mutex> lock(cudaGenerator.mutex());
        cudaGenerator.set_current_seed(static_cast<uint64_t>(seed));
      }
    }
    return info.Env().Undefined();
  });
}

// In-place initialisers (what torch.nn.init calls, under no_grad there too).
// uniform_(t, from, to), normal_(t, mean, std), fill_(t, value), zero_(t)
Napi::Value Uniform_(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "uniform_", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const double from = doubleArg(arg(info, 1), "from");
    const double to = doubleArg(arg(info, 2), "to");
    checkRange(from <= to, "from must be <= to");
    c10::NoGradGuard noGrad;
    t.uniform_(from, to, threadGenerator(t.device()));
    return info[0];
  });
}

Napi::Value Normal_(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "normal_", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const double mean = doubleArg(arg(info, 1), "mean");
    const double std = doubleArg(arg(info, 2), "std");
    checkRange(std >= 0, "std must be >= 0");
    c10::NoGradGuard noGrad;
    t.normal_(mean, std, threadGenerator(t.device()));
    return info[0];
  });
}

Napi::Value Fill_(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "fill_", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const double value = doubleArg(arg(info, 1), "value");
    c10::NoGradGuard noGrad;
    t.fill_(value);
    return info[0];
  });
}

// copy_(dst, src): dst's values become src's (converted to dst's dtype and
// device, broadcast to its shape), in place, under no_grad -- what
// Module.load_state_dict does with `param.copy_(input_param)`, so references
// to the parameter stay valid.
Napi::Value Copy_(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "copy_", [&]() -> Napi::Value {
    const at::Tensor& dst = tensorArg(arg(info, 0), "input");
    const at::Tensor& src = tensorArg(arg(info, 1), "src");
    c10::NoGradGuard noGrad;
    dst.copy_(src);
    return info[0];
  });
}

// setData(dst, src): dst's handle now points at src's data (`param.data = src`
// in Python, which Module.to() uses), so a parameter keeps its identity, its
// requires_grad and every reference to it while moving device or dtype.
Napi::Value SetData(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "setData", [&]() -> Napi::Value {
    const at::Tensor& dst = tensorArg(arg(info, 0), "input");
    const at::Tensor& src = tensorArg(arg(info, 1), "src");
    at::Tensor(dst).set_data(src.detach());
    return info[0];
  });
}

}  // namespace

void InitFactory(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "zeros", Zeros);
  exportFunction(exports, "ones", Ones);
  exportFunction(exports, "empty", Empty);
  exportFunction(exports, "rand", Rand);
  exportFunction(exports, "randn", Randn);
  exportFunction(exports, "full", Full);
  exportFunction(exports, "arange", Arange);
  exportFunction(exports, "randperm", Randperm);
  exportFunction(exports, "manualSeed", ManualSeed);
  exportFunction(exports, "uniform_", Uniform_);
  exportFunction(exports, "normal_", Normal_);
  exportFunction(exports, "fill_", Fill_);
  exportFunction(exports, "copy_", Copy_);
  exportFunction(exports, "setData", SetData);
}

}  // namespace ltr
