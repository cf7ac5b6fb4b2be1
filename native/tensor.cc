#include "tensor.h"

#include <ATen/TracerMode.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include <ATen/CPUGeneratorImpl.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <chrono>
#include <cstdlib>
#include <mutex>

#include "addon.h"
#include "args.h"
#include "errors.h"

namespace ltr {

namespace {

// Marks objects made by our Tensor constructor, so `From` can tell a real
// handle from any object that happens to have the same prototype.
constexpr napi_type_tag kTensorTag = {0x6c74725f74656e73ULL, 0x6f725f7461673031ULL};

// Per-environment state (worker threads each load their own copy of the addon).
struct AddonData {
  Napi::FunctionReference tensorConstructor;
  // Off inside torch.tidy(): tensors made there are freed deterministically
  // when the scope ends, so reporting them to V8 would only trigger garbage
  // collections that free nothing (a few per training step). Survivors are
  // charged when the scope hands them out (Tensor.charge()).
  bool chargeNewTensors = true;
};

constexpr double kMaxSafeInteger = 9007199254740991.0;

// The scalar type a TypedArray's elements already have.
at::ScalarType sourceType(const Napi::TypedArray& a, at::ScalarType wanted) {
  switch (a.TypedArrayType()) {
    case napi_float32_array:
      return at::kFloat;
    case napi_float64_array:
      return at::kDouble;
    case napi_int32_array:
      return at::kInt;
    case napi_bigint64_array:
      return at::kLong;
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return at::kByte;
    case napi_uint16_array:
      // Raw IEEE half or bfloat16 bits; only meaningful with those dtypes.
      if (wanted == at::kHalf || wanted == at::kBFloat16) return wanted;
      break;
    default:
      break;
  }
  throw ArgTypeError(
      "data must be a Float32Array, Float64Array, Int32Array, BigInt64Array, Uint8Array, or a "
      "Uint16Array of raw float16/bfloat16 bits");
}

int64_t product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d != 0 && n > INT64_MAX / d) throw ArgRangeError("shape has too many elements");
    n *= d;
  }
  return n;
}

std::string shapeString(at::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

// ---------------------------------------------------------------------------
// Per-thread generators

namespace {
std::atomic<bool> mainGeneratorTaken{false};
thread_local c10::optional<at::Generator> tlsGenerator;
}  // namespace

// ---------------------------------------------------------------------------
// glibc's heap and long-running loops
//
// Measured (resnet18, 64x64, synchronous tidy'd forwards): RSS grew by
// ~2.2 MB per forward (2.4 GB after 1,000), while MALLOC_MMAP_THRESHOLD_=65536
// or an `await` every 10 forwards kept it flat at ~290 MB. The tensors are
// freed at the end of each tidy; what is not freed is each handle's small
// native object (the ObjectWrap and Node's reference to it), because Node
// runs N-API finalizers only when the event loop turns. glibc's dynamic mmap
// threshold has by then risen past the activation sizes, so activations come
// from the heap, and the pinned small objects, carved out of freed activation
// chunks, keep those chunks from being reused: the heap grows.
// A fixed 64 KiB mmap threshold fixes that but costs a page fault per 4 KiB of
// every large allocation (a training step took 2x as long), and trimming the
// heap every second cost ~50% too (the next step faults the pages back in).
// So at most once a second, when an outermost tidy scope or a GC-backstop
// sweep ends, the heap's size is checked (mallinfo2), and only when it grew by
// more than 64 MB since the last trim are its free pages handed back
// (malloc_trim). A steady loop (training, tidy'd inference without the
// fragmentation) never trims; the fragmenting loop stays within ~64 MB.
void trimHeapIfItGrew() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  static std::mutex mutex;  // malloc is process-wide; environments are not
  static auto last = std::chrono::steady_clock::now();
  static size_t reference = 0;
  std::lock_guard<std::mutex> lock(mutex);
  const auto now = std::chrono::steady_clock::now();
  if (now - last < std::chrono::seconds(1)) return;
  last = now;
  if (std::getenv("LTR_NO_TRIM") != nullptr) return;
  const size_t heap = mallinfo2().arena;
  if (reference == 0 || heap < reference) reference = heap;
  if (heap > reference + (size_t(64) << 20)) {
    malloc_trim(0);
    reference = heap;
  }
#endif
}

void claimThreadGenerator() {
  if (tlsGenerator) return;
  bool expected = false;
  if (mainGeneratorTaken.compare_exchange_strong(expected, true)) {
    tlsGenerator = at::detail::getDefaultCPUGenerator();
  } else {
    // Seeded like a fresh PyTorch process (default_rng_seed_val) until manualSeed.
    tlsGenerator = at::detail::createCPUGenerator();
  }
}

at::Generator threadCpuGenerator() {
  if (!tlsGenerator) claimThreadGenerator();
  return *tlsGenerator;
}

c10::optional<at::Generator> threadGenerator(const at::Device& device) {
  if (!device.is_cpu()) return c10::nullopt;
  return threadCpuGenerator();
}

// ---------------------------------------------------------------------------
// The handle class

Napi::Function Tensor::Init(Napi::Env env) {
  Napi::Function ctor = DefineClass(
      env, "NativeTensor",
      {
          InstanceMethod<&Tensor::Dispose>("dispose"),
          InstanceAccessor<&Tensor::IsDisposed>("isDisposed"),
          InstanceAccessor<&Tensor::Shape>("shape"),
          InstanceAccessor<&Tensor::Strides>("strides"),
          InstanceAccessor<&Tensor::Dtype>("dtype"),
          InstanceAccessor<&Tensor::Device>("device"),
          InstanceAccessor<&Tensor::Numel>("numel"),
          InstanceAccessor<&Tensor::IsContiguous>("isContiguous"),
          InstanceAccessor<&Tensor::RequiresGrad, &Tensor::SetRequiresGrad>("requiresGrad"),
          InstanceAccessor<&Tensor::IsLeaf>("isLeaf"),
          InstanceAccessor<&Tensor::Grad, &Tensor::SetGrad>("grad"),
          InstanceAccessor<&Tensor::HasGradFn>("hasGradFn"),
          InstanceMethod<&Tensor::ToArray>("toArray"),
          InstanceMethod<&Tensor::Item>("item"),
          InstanceMethod<&Tensor::Backward>("backward"),
          InstanceMethod<&Tensor::SameStorage>("sameStorage"),
          InstanceMethod<&Tensor::Charge>("charge"),
      });
  claimThreadGenerator();
  auto* data = new AddonData();
  data->tensorConstructor = Napi::Persistent(ctor);
  env.SetInstanceData<AddonData>(data);
  return ctor;
}

Napi::Object Tensor::Wrap(Napi::Env env, at::Tensor tensor) {
  auto* data = env.GetInstanceData<AddonData>();
  return data->tensorConstructor.New({Napi::External<at::Tensor>::New(env, &tensor)});
}

Tensor* Tensor::From(const Napi::Value& value) {
  if (!value.IsObject()) return nullptr;
  Napi::Object object = value.As<Napi::Object>();
  if (!object.CheckTypeTag(&kTensorTag)) return nullptr;
  return Tensor::Unwrap(object);
}

Tensor::Tensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Tensor>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(
        env, "Tensor: not constructible directly; use torch.tensor(), torch.zeros() or another factory");
  }
  tensor_ = std::move(*info[0].As<Napi::External<at::Tensor>>().Data());
  info.This().As<Napi::Object>().TypeTag(&kTensorTag);
  charge(env);
  sweepIfOverBudget(env);
}

// ---------------------------------------------------------------------------
// Native bytes budget (the GC backstop in synchronous loops)
//
// Node defers N-API finalizers to the event loop (SetImmediate): in a
// synchronous loop that drops tensors without dispose(), the GC collects the
// handles but their native memory stays until the loop yields, so 1,000
// dropped randn([1000, 1000]) reached 4 GB. The GC does clear the handles'
// weak references at once, though. So every charged handle is on a
// per-thread list, and once `kSweepBytes` (or half the live bytes, whichever
// is larger) have been charged since the last sweep, the list is walked and
// the tensors of handles whose wrapper is gone are freed right there. The
// external memory reported to V8 is what makes the GC run in time.
// Where Node runs basic finalizers inside the GC (Node >= 20.10; see
// napi_basic_finalizers.h), Finalize frees a collected handle's tensor and
// C++ object during the GC itself, so the sweep finds nothing left to free
// and only trims the heap; on older Node it still does the freeing.

namespace {
struct ChargedList {
  Tensor* head = nullptr;
  int64_t bytes = 0;
  int64_t count = 0;
  int64_t sinceSweep = 0;
  int64_t threshold = int64_t(64) << 20;
  // Freed by finalizers since the last sweep (they run inside the GC, where
  // trimming the heap has no place; the next sweep does it).
  int64_t freedByGC = 0;
};
thread_local ChargedList charged;
constexpr int64_t kSweepBytes = int64_t(64) << 20;
}  // namespace

void Tensor::link() {
  if (linked_) return;
  next_ = charged.head;
  prev_ = nullptr;
  if (charged.head) charged.head->prev_ = this;
  charged.head = this;
  linked_ = true;
  charged.bytes += chargedBytes_;
  charged.count += 1;
  charged.sinceSweep += chargedBytes_;
}

void Tensor::unlink() {
  if (!linked_) return;
  if (prev_) prev_->next_ = next_; else charged.head = next_;
  if (next_) next_->prev_ = prev_;
  prev_ = next_ = nullptr;
  linked_ = false;
  charged.bytes -= chargedBytes_;
  charged.count -= 1;
}

int64_t Tensor::liveChargedBytes() { return charged.bytes; }
int64_t Tensor::liveChargedCount() { return charged.count; }

int64_t Tensor::sweep(Napi::Env env) {
  int64_t freed = 0;
  for (Tensor* t = charged.head; t != nullptr;) {
    Tensor* next = t->next_;
    napi_value value = nullptr;
    // The wrapper's reference is weak: empty once the GC collected it.
    if (napi_get_reference_value(env, static_cast<napi_ref>(*static_cast<Napi::Reference<Napi::Object>*>(t)), &value) == napi_ok && value == nullptr) {
      freed += t->chargedBytes_;
      t->unlink();
      t->tensor_.reset();
      int64_t ignored = 0;
      napi_adjust_external_memory(env, -t->chargedBytes_, &ignored);
      t->chargedBytes_ = 0;
    }
    t = next;
  }
  freed += charged.freedByGC;
  charged.freedByGC = 0;
  charged.sinceSweep = 0;
  charged.threshold = std::max(kSweepBytes, charged.bytes / 2);
  if (freed > 0) trimHeapIfItGrew();
  return freed;
}

void Tensor::sweepIfOverBudget(Napi::Env env) {
  if (charged.sinceSweep > charged.threshold) sweep(env);
}

void Tensor::charge(Napi::Env env) {
  if (!env.GetInstanceData<AddonData>()->chargeNewTensors) return;
  chargeNow(env);
}

void Tensor::chargeNow(Napi::Env env) {
  // Only host memory is V8's business; CUDA memory has its own caching allocator.
  if (chargedBytes_ == 0 && tensor_.defined() && tensor_.device().is_cpu()) {
    // The logical size, but never more than the memory behind it: an expanded view (stride 0)
    // of a few bytes can have a numel whose byte count is absurd (V8 aborts the process on an
    // adjustment of 2^60 bytes or more; the API fuzz found one).
    size_t bytes = tensor_.nbytes();
    if (tensor_.has_storage()) bytes = std::min(bytes, tensor_.storage().nbytes());
    chargedBytes_ = static_cast<int64_t>(bytes);
    if (chargedBytes_ > 0) {
      Napi::MemoryManagement::AdjustExternalMemory(env, chargedBytes_);
      link();
    }
  }
}

void Tensor::release(Napi::Env env) {
  unlink();
  tensor_.reset();
  if (chargedBytes_ > 0) {
    Napi::MemoryManagement::AdjustExternalMemory(env, -chargedBytes_);
    chargedBytes_ = 0;
  }
}

void Tensor::Finalize(Napi::BasicEnv env) {
  // Runs inside the GC (a basic finalizer): only C++ frees and the basic
  // napi_adjust_external_memory. Finalizers also run while an environment is
  // torn down (worker exit), when N-API calls may fail; Napi's wrapper would
  // throw from a finalizer, which is std::terminate. Free the tensor and
  // report the bytes with the raw call, ignoring its status.
  if (chargedBytes_ > 0) charged.freedByGC += chargedBytes_;
  unlink();
  tensor_.reset();
  if (chargedBytes_ > 0) {
    int64_t ignored = 0;
    napi_adjust_external_memory(env, -chargedBytes_, &ignored);
    chargedBytes_ = 0;
  }
}

namespace {
const at::Tensor& live(const Tensor* self) {
  if (self->disposed()) {
    throw std::runtime_error("this Tensor is disposed (it was freed by dispose() or tidy())");
  }
  return self->tensor();
}
}  // namespace

Napi::Value Tensor::Dispose(const Napi::CallbackInfo& info) {
  release(info.Env());  // disposing twice is harmless, like closing a closed file
  return info.Env().Undefined();
}

Napi::Value Tensor::Charge(const Napi::CallbackInfo& info) {
  chargeNow(info.Env());
  return info.Env().Undefined();
}

Napi::Value Tensor::IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), disposed());
}

Napi::Value Tensor::Shape(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "shape", [&]() -> Napi::Value {
    const at::Tensor& t = live(this);
    Napi::Array out = Napi::Array::New(info.Env(), t.dim());
    for (int64_t i = 0; i < t.dim(); ++i) out.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(t.size(i))));
    return out;
  });
}

Napi::Value Tensor::Strides(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "strides", [&]() -> Napi::Value {
    const at::Tensor& t = live(this);
    Napi::Array out = Napi::Array::New(info.Env(), t.dim());
    for (int64_t i = 0; i < t.dim(); ++i) out.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(t.stride(i))));
    return out;
  });
}

Napi::Value Tensor::Dtype(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "dtype", [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), dtypeName(live(this).scalar_type()));
  });
}

Napi::Value Tensor::Device(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "device", [&]() -> Napi::Value {
    return Napi::String::New(info.Env(), deviceName(live(this).device()));
  });
}

Napi::Value Tensor::Numel(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "numel", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(live(this).numel()));
  });
}

Napi::Value Tensor::IsContiguous(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "isContiguous", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), live(this).is_contiguous());
  });
}

Napi::Value Tensor::RequiresGrad(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "requiresGrad", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), live(this).requires_grad());
  });
}

void Tensor::SetRequiresGrad(const Napi::CallbackInfo& info, const Napi::Value& value) {
  guard(info.Env(), "requiresGrad", [&] {
    const bool flag = boolArg(value, "requiresGrad");
    const at::Tensor& t = live(this);
    // PyTorch's Python setter refuses non-leaves; libtorch's C++ one would
    // silently keep the grad_fn, so `y.requiresGrad = false` did nothing.
    if (!t.is_leaf()) {
      throw std::runtime_error(
          "you can only change requiresGrad of leaf tensors, and this one was computed by an op; use detach() "
          "for a tensor outside the graph");
    }
    if (flag && !at::isFloatingType(t.scalar_type()) && !at::isComplexType(t.scalar_type())) {
      throw std::runtime_error(std::string("only floating point tensors can require gradients, this one is ") +
                               dtypeName(t.scalar_type()));
    }
    t.set_requires_grad(flag);
  });
}

Napi::Value Tensor::IsLeaf(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "isLeaf", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), live(this).is_leaf());
  });
}

Napi::Value Tensor::Grad(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "grad", [&]() -> Napi::Value {
    at::Tensor g = live(this).grad();
    if (!g.defined()) return info.Env().Null();
    return Wrap(info.Env(), std::move(g));
  });
}

void Tensor::SetGrad(const Napi::CallbackInfo& info, const Napi::Value& value) {
  guard(info.Env(), "grad", [&] {
    const at::Tensor& t = live(this);
    c10::optional<at::Tensor> g = optionalTensorArg(value, "grad");
    if (!g) {
      t.mutable_grad().reset();
      return;
    }
    // PyTorch's rule (THPVariable_set_grad): a tensor can't be its own grad;
    // backward() would then accumulate into the parameter itself.
    if (g->unsafeGetTensorImpl() == t.unsafeGetTensorImpl()) {
      throw std::runtime_error("can't assign a tensor as its own grad");
    }
    if (!g->sizes().equals(t.sizes())) {
      throw ArgRangeError("shape " + shapeString(g->sizes()) + " does not match the tensor's shape " +
                          shapeString(t.sizes()));
    }
    if (g->scalar_type() != t.scalar_type() || g->device() != t.device()) {
      throw ArgTypeError("gradient must have the tensor's dtype and device");
    }
    t.mutable_grad() = *g;
  });
}

Napi::Value Tensor::HasGradFn(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "hasGradFn", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), live(this).grad_fn() != nullptr);
  });
}

Napi::Value Tensor::ToArray(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "toArray", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    at::Tensor t = live(this).detach().to(at::kCPU).contiguous();
    const size_t bytes = t.nbytes();
    const size_t n = static_cast<size_t>(t.numel());
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
    if (bytes > 0) std::memcpy(buffer.Data(), t.data_ptr(), bytes);
    switch (t.scalar_type()) {
      case at::kFloat:
        return Napi::Float32Array::New(env, n, buffer, 0);
      case at::kDouble:
        return Napi::Float64Array::New(env, n, buffer, 0);
      case at::kInt:
        return Napi::Int32Array::New(env, n, buffer, 0);
      case at::kLong:
        return Napi::BigInt64Array::New(env, n, buffer, 0);
      case at::kByte:
      case at::kBool:
        return Napi::Uint8Array::New(env, n, buffer, 0);
      case at::kHalf:
      case at::kBFloat16:
        return Napi::Uint16Array::New(env, n, buffer, 0);
      default:
        throw std::runtime_error(std::string("unsupported dtype ") + c10::toString(t.scalar_type()));
    }
  });
}

Napi::Value Tensor::Item(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "item", [&]() -> Napi::Value {
    const at::Tensor& t = live(this);
    if (t.numel() != 1) {
      throw ArgRangeError("only a tensor with exactly one element can be converted to a number, this one has " +
                          std::to_string(t.numel()));
    }
    const at::Scalar s = t.item();
    if (t.scalar_type() == at::kLong) {
      const int64_t v = s.toLong();
      if (std::fabs(static_cast<double>(v)) > kMaxSafeInteger) {
        throw ArgRangeError("the int64 value " + std::to_string(v) +
                            " is not exactly representable as a JS number; use toArray() for a BigInt64Array");
      }
      return Napi::Number::New(info.Env(), static_cast<double>(v));
    }
    return Napi::Number::New(info.Env(), s.toDouble());
  });
}

Napi::Value Tensor::Backward(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "backward", [&]() -> Napi::Value {
    const at::Tensor& t = live(this);
    c10::optional<at::Tensor> gradient = optionalTensorArg(arg(info, 0), "gradient");
    c10::optional<bool> retainGraph;
    if (!isNullish(arg(info, 1))) retainGraph = boolArg(info[1], "retainGraph");
    const bool createGraph = isNullish(arg(info, 2)) ? false : boolArg(info[2], "createGraph");
    if (!t.requires_grad()) {
      throw std::runtime_error("the tensor does not require grad and has no grad_fn (was it computed under noGrad, or from inputs without requiresGrad?)");
    }
    if (!gradient && t.numel() != 1) {
      throw ArgRangeError("a gradient is needed for a non-scalar tensor of shape " + shapeString(t.sizes()) +
                          " (grad can be implicitly created only for scalar outputs)");
    }
    t.backward(gradient.value_or(at::Tensor()), retainGraph, createGraph);
    return info.Env().Undefined();
  });
}

Napi::Value Tensor::SameStorage(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "sameStorage", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), live(this).is_alias_of(tensorArg(arg(info, 0), "other")));
  });
}

// ---------------------------------------------------------------------------
// Data in and conversions

namespace {

// Converting out-of-range values to an integer dtype wraps (or is undefined
// behaviour for floats); torch.tensor() refuses them with "value cannot be
// converted to type uint8 without overflow", and so do we. Fractions are
// truncated toward zero, as in PyTorch.
void checkFits(const at::Tensor& t, at::ScalarType dtype) {
  if (t.numel() == 0) return;
  double lo = 0, hi = 0;  // the representable range, as doubles
  switch (dtype) {
    case at::kByte: lo = 0; hi = 255; break;
    case at::kInt: lo = -2147483648.0; hi = 2147483647.0; break;
    case at::kLong: lo = -9223372036854775808.0; hi = 9223372036854775808.0; break;  // hi exclusive
    default: return;
  }
  auto fail = [&](const std::string& value) {
    throw ArgRangeError("value " + value + " cannot be converted to " + dtypeName(dtype) + " without overflow");
  };
  if (at::isFloatingType(t.scalar_type())) {
    const at::Tensor d = t.to(at::kDouble);
    const at::Tensor bad = d.isnan().logical_or(d.trunc() < lo).logical_or(dtype == at::kLong ? d.trunc() >= hi : d.trunc() > hi);
    if (bad.any().item<bool>()) fail(numberString(at::masked_select(d, bad)[0].item<double>()));
  } else if (t.scalar_type() == at::kLong && dtype != at::kLong) {
    const at::Tensor bad = (t < static_cast<int64_t>(lo)).logical_or(t > static_cast<int64_t>(hi));
    if (bad.any().item<bool>()) fail(std::to_string(at::masked_select(t, bad)[0].item<int64_t>()));
  } else if (t.scalar_type() == at::kInt && dtype == at::kByte) {
    const at::Tensor bad = (t < 0).logical_or(t > 255);
    if (bad.any().item<bool>()) fail(std::to_string(at::masked_select(t, bad)[0].item<int>()));
  }
}

// fromData(data: TypedArray, shape: number[], dtype?: string, device?: string)
Napi::Value FromData(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "tensor", [&]() -> Napi::Value {
    Napi::Value dataValue = arg(info, 0);
    if (!dataValue.IsTypedArray()) {
      throw ArgTypeError("expected TypedArray for data but received " + describe(dataValue));
    }
    Napi::TypedArray data = dataValue.As<Napi::TypedArray>();
    const std::vector<int64_t> shape = shapeArg(arg(info, 1), "shape");
    const std::optional<at::ScalarType> wanted = optionalDtypeArg(arg(info, 2), "dtype");
    const std::optional<at::Device> device = optionalDeviceArg(arg(info, 3), "device");
    const at::ScalarType source = sourceType(data, wanted.value_or(at::kFloat));
    const int64_t n = product(shape);
    if (n != static_cast<int64_t>(data.ElementLength())) {
      throw ArgRangeError("data has " + std::to_string(data.ElementLength()) +
                          " elements but shape " + shapeString(shape) + " needs " + std::to_string(n));
    }
    // Filled from JS memory, which a JIT trace (forwardAsync) cannot record:
    // keep the allocation out of the trace so the tensor becomes a constant.
    at::tracer::impl::NoTracerDispatchMode untraced;
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(source));
    if (n > 0) {
      // The element pointer straight from N-API: data.ArrayBuffer() fails
      // ("Invalid argument") when the array views a SharedArrayBuffer.
      void* bytes = nullptr;
      napi_typedarray_type type;
      size_t length = 0;
      const napi_status status = napi_get_typedarray_info(info.Env(), data, &type, &length, &bytes, nullptr, nullptr);
      if (status != napi_ok || bytes == nullptr) throw std::runtime_error("cannot read the TypedArray's memory");
      std::memcpy(t.data_ptr(), bytes, t.nbytes());
    }
    const at::ScalarType dtype = wanted.value_or(source);
    if (dtype != source && at::isIntegralType(dtype, /*includeBool=*/false)) checkFits(t, dtype);
    if (dtype != source) t = t.to(dtype);
    if (device && *device != t.device()) t = t.to(*device);
    return Tensor::Wrap(info.Env(), std::move(t));
  });
}

// to(t, dtype?, device?, copy?)
Napi::Value To(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "to", [&]() -> Napi::Value {
    const at::Tensor& t = tensorArg(arg(info, 0), "input");
    const at::ScalarType dtype = optionalDtypeArg(arg(info, 1), "dtype").value_or(t.scalar_type());
    const at::Device device = optionalDeviceArg(arg(info, 2), "device").value_or(t.device());
    const bool copy = isNullish(arg(info, 3)) ? false : boolArg(info[3], "copy");
    return Tensor::Wrap(info.Env(), t.to(device, dtype, /*non_blocking=*/false, copy));
  });
}

Napi::Value Clone(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "clone", [&]() -> Napi::Value {
    return Tensor::Wrap(info.Env(), tensorArg(arg(info, 0), "input").clone());
  });
}

Napi::Value Detach(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "detach", [&]() -> Napi::Value {
    return Tensor::Wrap(info.Env(), tensorArg(arg(info, 0), "input").detach());
  });
}

Napi::Value Contiguous(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "contiguous", [&]() -> Napi::Value {
    return Tensor::Wrap(info.Env(), tensorArg(arg(info, 0), "input").contiguous());
  });
}

// setChargeNewTensors(flag) -> previous flag (see AddonData::chargeNewTensors).
Napi::Value SetChargeNewTensors(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "setChargeNewTensors", [&]() -> Napi::Value {
    auto* data = info.Env().GetInstanceData<AddonData>();
    const bool previous = data->chargeNewTensors;
    data->chargeNewTensors = boolArg(arg(info, 0), "flag");
    if (data->chargeNewTensors) trimHeapIfItGrew();  // an outermost tidy just ended
    return Napi::Boolean::New(info.Env(), previous);
  });
}

// nativeMemory() -> { bytes, tensors, reportedToV8 }: what the GC backstop
// holds on this thread (tensors outside tidy, not disposed) and the external
// memory total V8's GC heuristics see. (process.memoryUsage().external does
// not include it: V8 reports only ArrayBuffer memory there.)
Napi::Value NativeMemory(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "nativeMemory", [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("bytes", Napi::Number::New(env, static_cast<double>(Tensor::liveChargedBytes())));
    out.Set("tensors", Napi::Number::New(env, static_cast<double>(Tensor::liveChargedCount())));
    out.Set("reportedToV8", Napi::Number::New(env, static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(env, 0))));
    return out;
  });
}

// sweep() -> bytes freed: frees now the tensors of handles the GC collected.
Napi::Value Sweep(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "sweep", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(Tensor::sweep(info.Env())));
  });
}

}  // namespace

void InitTensor(Napi::Env env, Napi::Object exports) {
  exports.Set("Tensor", Tensor::Init(env));
  exportFunction(exports, "fromData", FromData);
  exportFunction(exports, "setChargeNewTensors", SetChargeNewTensors);
  exportFunction(exports, "nativeMemory", NativeMemory);
  exportFunction(exports, "sweep", Sweep);
  exportFunction(exports, "to", To);
  exportFunction(exports, "clone", Clone);
  exportFunction(exports, "detach", Detach);
  exportFunction(exports, "contiguous", Contiguous);
}

}  // namespace ltr
