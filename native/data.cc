// Batch assembly off the JS thread (sharp's AsyncWorker pattern): the
// arguments are copied into a plain C++ baton, Execute() runs on a libuv
// worker thread and touches no N-API, OnOK wraps the results and resolves a
// Promise. While the JS thread runs a training step, the next batches are
// gathered, augmented and normalized here.
//
// All randomness (which samples, crop offsets, flips) is decided by the
// caller and passed in, so a batch is the same whichever thread made it.
#include <cstring>

#include <c10/core/GradMode.h>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

struct BatchSpec {
  at::Tensor images;  // uint8 [N, C, H, W]
  at::Tensor labels;  // int64 [N]
  std::vector<int64_t> indices;
  int64_t padding = 0;
  std::vector<int64_t> crop;         // [h, w] or empty
  std::vector<int64_t> cropOffsets;  // 2 per sample (y, x) or empty
  std::vector<uint8_t> flips;        // 1 per sample or empty
  std::vector<int64_t> resize;       // [h, w] or empty
  int64_t channels = 0;              // 0 = keep
  std::vector<double> mean, std;
};

at::Tensor indexTensor(const std::vector<int64_t>& indices) {
  at::Tensor index = at::empty({static_cast<int64_t>(indices.size())}, at::TensorOptions().dtype(at::kLong));
  std::memcpy(index.data_ptr<int64_t>(), indices.data(), sizeof(int64_t) * indices.size());
  return index;
}

at::Tensor assemble(const BatchSpec& s, const at::Tensor& index) {
  c10::NoGradGuard noGrad;
  const int64_t count = index.size(0);
  // ToTensor: uint8 [0, 255] -> float32 [0, 1]
  at::Tensor x = s.images.index_select(0, index).to(at::kFloat).div_(255);
  if (s.padding > 0) x = at::constant_pad_nd(x, {s.padding, s.padding, s.padding, s.padding}, 0);
  if (!s.crop.empty()) {
    std::vector<at::Tensor> crops;
    crops.reserve(count);
    for (int64_t b = 0; b < count; ++b) {
      crops.push_back(x[b].narrow(1, s.cropOffsets[2 * b], s.crop[0]).narrow(2, s.cropOffsets[2 * b + 1], s.crop[1]));
    }
    x = at::stack(crops);
  }
  if (!s.flips.empty()) {
    for (int64_t b = 0; b < count; ++b) {
      if (s.flips[b]) x[b].copy_(x[b].flip({-1}));
    }
  }
  if (!s.resize.empty()) {
    x = at::upsample_bilinear2d(x, s.resize, /*align_corners=*/false);
  }
  if (s.channels > 0 && s.channels != x.size(1)) {
    x = x.expand({-1, s.channels, -1, -1}).contiguous();
  }
  if (!s.mean.empty()) {
    const int64_t c = x.size(1);
    at::Tensor mean = at::tensor(s.mean, at::TensorOptions().dtype(at::kDouble)).to(at::kFloat);
    at::Tensor std = at::tensor(s.std, at::TensorOptions().dtype(at::kDouble)).to(at::kFloat);
    if (mean.numel() == 1 && c > 1) {
      mean = mean.expand({c});
      std = std.expand({c});
    }
    x.sub_(mean.view({1, c, 1, 1})).div_(std.view({1, c, 1, 1}));
  }
  return x.contiguous();
}

class BatchWorker : public Napi::AsyncWorker {
 public:
  BatchWorker(Napi::Env env, BatchSpec spec)
      : Napi::AsyncWorker(env, "libtorch-resnet:makeBatch"), spec_(std::move(spec)), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      const at::Tensor index = indexTensor(spec_.indices);
      input_ = assemble(spec_, index);
      target_ = spec_.labels.index_select(0, index);
    } catch (const c10::Error& e) {
      SetError(cleanTorchMessage(e));
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(uint32_t{0}, Tensor::Wrap(env, std::move(input_)));
    out.Set(uint32_t{1}, Tensor::Wrap(env, std::move(target_)));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& error) override {
    deferred_.Reject(Napi::Error::New(Env(), "makeBatch: " + error.Message()).Value());
  }

  // Runs from libuv as a plain C callback, also while a worker thread's
  // environment shuts down (worker.terminate(), process.exit() in a worker)
  // with batches in flight: the work then arrives cancelled, or JS can no
  // longer run and every N-API call fails. Nothing may throw across this
  // boundary (that was std::terminate -> SIGABRT), and there is no one left
  // to tell, so a failure here is dropped; the baton is freed either way.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    if (status == napi_cancelled) {
      Destroy();
      return;
    }
    try {
      Napi::AsyncWorker::OnWorkComplete(env, status);  // OnOK / OnError, then Destroy()
    } catch (...) {
      // The base class did not reach Destroy(); the promise can never settle
      // because its environment is gone.
      Destroy();
    }
  }

 private:
  BatchSpec spec_;
  Napi::Promise::Deferred deferred_;
  at::Tensor input_, target_;
};

template <typename T, typename Array>
std::vector<T> copyTyped(const Napi::Value& v, const char* name, napi_typedarray_type type, const char* typeName) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw ArgTypeError(std::string("expected ") + typeName + " for " + name + " but received " + describe(v));
  }
  Array a = v.As<Array>();
  return std::vector<T>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<double> numberList(const Napi::Value& v, const char* name) {
  if (!v.IsArray()) throw ArgTypeError(std::string("expected Array of numbers for ") + name + " but received " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  std::vector<double> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(doubleArg(a.Get(i), name));
  return out;
}

// makeBatch(images, labels, indices: Int32Array, options) -> Promise<[input, target]>
// options: { padding, crop: [h, w] | null, cropOffsets: Int32Array | null, flips: Uint8Array | null,
//            resize: [h, w] | null, channels, mean: number[], std: number[] }
Napi::Value MakeBatch(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "makeBatch", [&]() -> Napi::Value {
    BatchSpec s;
    s.images = tensorArg(arg(info, 0), "images");
    s.labels = tensorArg(arg(info, 1), "labels");
    if (s.images.scalar_type() != at::kByte || s.images.dim() != 4) {
      throw ArgTypeError("images must be a uint8 tensor of shape [N, C, H, W]");
    }
    if (s.labels.scalar_type() != at::kLong || s.labels.dim() != 1 || s.labels.size(0) != s.images.size(0)) {
      throw ArgTypeError("labels must be an int64 tensor of shape [N] matching images");
    }
    const std::vector<int32_t> indices = copyTyped<int32_t, Napi::Int32Array>(arg(info, 2), "indices", napi_int32_array, "Int32Array");
    checkRange(!indices.empty(), "indices is empty");
    const int64_t n = s.images.size(0);
    for (int32_t i : indices) checkRange(i >= 0 && i < n, "index " + std::to_string(i) + " is out of range for " + std::to_string(n) + " samples");
    s.indices.assign(indices.begin(), indices.end());
    const auto batch = static_cast<int64_t>(indices.size());

    Napi::Value optionsValue = arg(info, 3);
    if (!optionsValue.IsObject()) throw ArgTypeError("expected options object but received " + describe(optionsValue));
    Napi::Object o = optionsValue.As<Napi::Object>();
    s.padding = isNullish(o.Get("padding")) ? 0 : intArg(o.Get("padding"), "padding");
    checkRange(s.padding >= 0, "padding must be >= 0");
    const int64_t paddedH = s.images.size(2) + 2 * s.padding;
    const int64_t paddedW = s.images.size(3) + 2 * s.padding;
    if (!isNullish(o.Get("crop"))) {
      s.crop = intListArgAtLeast(o.Get("crop"), "crop", 2, 1);
      checkRange(s.crop[0] <= paddedH && s.crop[1] <= paddedW, "crop is larger than the (padded) image");
      const std::vector<int32_t> offsets = copyTyped<int32_t, Napi::Int32Array>(o.Get("cropOffsets"), "cropOffsets", napi_int32_array, "Int32Array");
      checkRange(static_cast<int64_t>(offsets.size()) == 2 * batch, "cropOffsets needs 2 entries per sample");
      for (int64_t b = 0; b < batch; ++b) {
        checkRange(offsets[2 * b] >= 0 && offsets[2 * b] + s.crop[0] <= paddedH && offsets[2 * b + 1] >= 0 &&
                       offsets[2 * b + 1] + s.crop[1] <= paddedW,
                   "crop offset of sample " + std::to_string(b) + " falls outside the image");
      }
      s.cropOffsets.assign(offsets.begin(), offsets.end());
    }
    if (!isNullish(o.Get("flips"))) {
      s.flips = copyTyped<uint8_t, Napi::Uint8Array>(o.Get("flips"), "flips", napi_uint8_array, "Uint8Array");
      checkRange(static_cast<int64_t>(s.flips.size()) == batch, "flips needs 1 entry per sample");
    }
    if (!isNullish(o.Get("resize"))) s.resize = intListArgAtLeast(o.Get("resize"), "resize", 2, 1);
    s.channels = isNullish(o.Get("channels")) ? 0 : intArg(o.Get("channels"), "channels");
    checkRange(s.channels >= 0, "channels must be >= 0");
    if (s.channels > 0) {
      checkRange(s.channels == s.images.size(1) || s.images.size(1) == 1,
                 "channels can only expand a 1-channel image (grayscale to " + std::to_string(s.channels) + ")");
    }
    if (!isNullish(o.Get("mean"))) {
      s.mean = numberList(o.Get("mean"), "mean");
      s.std = numberList(o.Get("std"), "std");
      const int64_t c = s.channels > 0 ? s.channels : s.images.size(1);
      checkRange(s.mean.size() == s.std.size() && (s.mean.size() == 1 || static_cast<int64_t>(s.mean.size()) == c),
                 "mean and std need 1 or " + std::to_string(c) + " entries each");
      for (double v : s.std) checkRange(v > 0, "std entries must be > 0");
    }
    auto* worker = new BatchWorker(info.Env(), std::move(s));
    Napi::Promise promise = worker->promise();
    worker->Queue();
    return promise;
  });
}

}  // namespace

void InitData(Napi::Env, Napi::Object exports) { exportFunction(exports, "makeBatch", MakeBatch); }

}  // namespace ltr
