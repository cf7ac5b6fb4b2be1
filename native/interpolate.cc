// interpolate, as torch.nn.functional.interpolate calls it for 4-D inputs:
// upsample_nearest2d / _upsample_nearest_exact2d / upsample_bilinear2d /
// _upsample_bilinear2d_aa / upsample_bicubic2d / _upsample_bicubic2d_aa.
// torchvision's tensor resize is this op, so transforms.resize is exact.
#include <algorithm>
#include <cmath>

#include <c10/core/GradMode.h>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

std::vector<double> doubleListArg(const Napi::Value& v, const char* name, size_t expand) {
  if (v.IsNumber()) return std::vector<double>(expand, doubleArg(v, name));
  if (!v.IsArray()) throw ArgTypeError(std::string("expected number or Array of numbers for ") + name + " but received " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  checkRange(a.Length() == expand, std::string(name) + " must have " + std::to_string(expand) + " entries but has " +
                                       std::to_string(a.Length()));
  std::vector<double> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(doubleArg(a.Get(i), name));
  return out;
}

// interpolate(input, size | null, scaleFactor | null, mode, alignCorners | null, antialias)
Napi::Value Interpolate(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "interpolate", [&]() -> Napi::Value {
    const at::Tensor& input = tensorArg(arg(info, 0), "input");
    const Napi::Value sizeValue = arg(info, 1);
    const Napi::Value scaleValue = arg(info, 2);
    const std::string mode = stringArg(arg(info, 3), "mode");
    const Napi::Value alignValue = arg(info, 4);
    const bool antialias = isNullish(arg(info, 5)) ? false : boolArg(arg(info, 5), "antialias");
    checkRange(mode == "nearest" || mode == "nearest-exact" || mode == "bilinear" || mode == "bicubic",
               "mode must be 'nearest', 'nearest-exact', 'bilinear' or 'bicubic' (2-D) but received '" + mode + "'");
    checkRange(input.dim() == 4, "expected a 4-D (N, C, H, W) input but it has " + std::to_string(input.dim()) +
                                     " dimensions (unsqueeze(0) a single image)");
    checkRange(isNullish(sizeValue) != isNullish(scaleValue), "give exactly one of size and scaleFactor");
    const bool interpolating = mode == "bilinear" || mode == "bicubic";
    checkRange(interpolating || isNullish(alignValue),
               "the alignCorners option can only be set with the interpolating modes: bilinear | bicubic");
    checkRange(!antialias || interpolating, "the antialias option is only supported for bilinear and bicubic modes");
    const bool alignCorners = isNullish(alignValue) ? false : boolArg(alignValue, "alignCorners");

    const bool bySize = !isNullish(sizeValue);
    std::vector<int64_t> size;
    std::vector<double> scales;
    if (bySize) {
      size = intListArgAtLeast(sizeValue, "size", 2, 1);
    } else {
      scales = doubleListArg(scaleValue, "scaleFactor", 2);
      for (double s : scales) checkRange(s > 0, "scaleFactor entries must be > 0");
    }
    const at::OptionalIntArrayRef outSize = bySize ? at::OptionalIntArrayRef(size) : c10::nullopt;
    const c10::optional<at::ArrayRef<double>> outScales =
        bySize ? c10::nullopt : c10::optional<at::ArrayRef<double>>(scales);
    at::Tensor out;
    if (mode == "nearest") {
      out = at::upsample_nearest2d(input, outSize, outScales);
    } else if (mode == "nearest-exact") {
      out = at::_upsample_nearest_exact2d(input, outSize, outScales);
    } else if (mode == "bilinear") {
      out = antialias ? at::_upsample_bilinear2d_aa(input, outSize, alignCorners, outScales)
                      : at::upsample_bilinear2d(input, outSize, alignCorners, outScales);
    } else {
      out = antialias ? at::_upsample_bicubic2d_aa(input, outSize, alignCorners, outScales)
                      : at::upsample_bicubic2d(input, outSize, alignCorners, outScales);
    }
    return Tensor::Wrap(info.Env(), std::move(out));
  });
}

// ---------------------------------------------------------------------------
// torchvision.transforms.functional on tensors (torchvision 0.14's
// functional_tensor.py), op for op, so lib/transforms is bit-exact with it.

const at::Tensor& imageArg(const Napi::Value& v) {
  const at::Tensor& img = tensorArg(v, "img");
  checkRange(img.dim() >= 2, "expected a tensor image (..., H, W) but it has " + std::to_string(img.dim()) + " dimensions");
  return img;
}

// functional_tensor.resize: _cast_squeeze_in, interpolate, clamp for bicubic
// uint8, _cast_squeeze_out (round before casting back to an integer type).
at::Tensor resizeImage(at::Tensor img, const std::vector<int64_t>& size, const std::string& mode, bool antialias) {
  const bool squeeze = img.dim() < 4;
  if (squeeze) img = img.unsqueeze(0);
  const at::ScalarType outType = img.scalar_type();
  const bool cast = outType != at::kFloat && outType != at::kDouble;
  if (cast) img = img.to(at::kFloat);
  const at::IntArrayRef outSize(size);
  if (mode == "nearest") {
    img = at::upsample_nearest2d(img, outSize);
  } else if (mode == "bilinear") {
    img = antialias ? at::_upsample_bilinear2d_aa(img, outSize, false) : at::upsample_bilinear2d(img, outSize, false);
  } else {
    img = antialias ? at::_upsample_bicubic2d_aa(img, outSize, false) : at::upsample_bicubic2d(img, outSize, false);
    if (outType == at::kByte) img = img.clamp(0, 255);
  }
  if (squeeze) img = img.squeeze(0);
  if (cast) {
    if (!c10::isFloatingType(outType)) img = at::round(img);
    img = img.to(outType);
  }
  return img;
}

void checkResize(const at::Tensor& img, const std::string& mode, bool antialias) {
  checkRange(mode == "nearest" || mode == "bilinear" || mode == "bicubic",
             "interpolation must be 'nearest', 'bilinear' or 'bicubic' but received '" + mode + "'");
  checkRange(!antialias || mode != "nearest", "antialias is supported for bilinear and bicubic interpolation only");
  checkRange(img.dim() == 3 || img.dim() == 4,
             "expected a (C, H, W) or (N, C, H, W) image but it has " + std::to_string(img.dim()) + " dimensions");
}

// resize(img, [h, w], interpolation, antialias)
Napi::Value TvResize(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "resize", [&]() -> Napi::Value {
    const at::Tensor& img = imageArg(arg(info, 0));
    const std::vector<int64_t> size = intListArgAtLeast(arg(info, 1), "size", 2, 1);
    const std::string mode = stringArg(arg(info, 2), "interpolation");
    const bool antialias = boolArg(arg(info, 3), "antialias");
    checkResize(img, mode, antialias);
    return Tensor::Wrap(info.Env(), resizeImage(img, size, mode, antialias));
  });
}

at::Tensor padImage(at::Tensor img, const std::vector<int64_t>& p /* l, r, t, b */, double fill, const std::string& mode) {
  const bool squeeze = img.dim() < 4;
  if (squeeze) img = img.unsqueeze(0);
  const at::ScalarType outType = img.scalar_type();
  const bool cast = mode != "constant" && outType != at::kFloat && outType != at::kDouble;
  if (cast) img = img.to(at::kFloat);
  if (mode == "constant") {
    img = at::constant_pad_nd(img, p, fill);
  } else if (mode == "reflect") {
    img = at::reflection_pad2d(img, p);
  } else {
    img = at::replication_pad2d(img, p);
  }
  if (squeeze) img = img.squeeze(0);
  if (cast) img = img.to(outType);
  return img;
}

// pad(img, [left, right, top, bottom], fill, mode): constant | edge | reflect
Napi::Value TvPad(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "pad", [&]() -> Napi::Value {
    const at::Tensor& img = imageArg(arg(info, 0));
    const std::vector<int64_t> p = intListArg(arg(info, 1), "padding", 4);
    const double fill = doubleArg(arg(info, 2), "fill");
    std::string mode = stringArg(arg(info, 3), "paddingMode");
    checkRange(mode == "constant" || mode == "edge" || mode == "reflect",
               "paddingMode must be 'constant', 'edge' or 'reflect' but received '" + mode + "'");
    if (mode == "edge") mode = "replicate";
    checkRange(mode == "constant" || (img.dim() == 3 || img.dim() == 4),
               "edge and reflect padding need a (C, H, W) or (N, C, H, W) image");
    if (mode == "reflect") {
      checkRange(p[0] < img.size(-1) && p[1] < img.size(-1) && p[2] < img.size(-2) && p[3] < img.size(-2),
                 "reflect padding must be smaller than the image's size in that dimension");
    }
    return Tensor::Wrap(info.Env(), padImage(img, p, fill, mode));
  });
}

// functional_tensor.crop: a view; zero padding where the box leaves the image.
at::Tensor cropImage(const at::Tensor& img, int64_t top, int64_t left, int64_t height, int64_t width) {
  const int64_t h = img.size(-2), w = img.size(-1);
  const int64_t right = left + width, bottom = top + height;
  if (left < 0 || top < 0 || right > w || bottom > h) {
    // Python's slice clamping: img[..., max(top, 0):bottom, max(left, 0):right]
    auto slice = [](const at::Tensor& t, int64_t dim, int64_t start, int64_t end) {
      const int64_t n = t.size(dim);
      start = std::min(std::max(start, int64_t{0}), n);
      end = std::min(std::max(end, start), n);
      return t.slice(dim, start, end);
    };
    const int64_t padLeft = std::max(-left + std::min<int64_t>(0, right), int64_t{0});
    const int64_t padTop = std::max(-top + std::min<int64_t>(0, bottom), int64_t{0});
    const int64_t padRight = std::max(right - std::max(w, left), int64_t{0});
    const int64_t padBottom = std::max(bottom - std::max(h, top), int64_t{0});
    at::Tensor inside = slice(slice(img, -2, std::max<int64_t>(top, 0), bottom), -1, std::max<int64_t>(left, 0), right);
    return padImage(inside, {padLeft, padRight, padTop, padBottom}, 0, "constant");
  }
  return img.slice(-2, top, bottom).slice(-1, left, right);
}

// crop(img, top, left, height, width)
Napi::Value TvCrop(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "crop", [&]() -> Napi::Value {
    const at::Tensor& img = imageArg(arg(info, 0));
    const int64_t top = intArg(arg(info, 1), "top");
    const int64_t left = intArg(arg(info, 2), "left");
    const int64_t height = intArg(arg(info, 3), "height");
    const int64_t width = intArg(arg(info, 4), "width");
    checkRange(height >= 0 && width >= 0, "height and width must be >= 0");
    return Tensor::Wrap(info.Env(), cropImage(img, top, left, height, width));
  });
}

// functional.center_crop: pad when the image is smaller, then offsets
// int(round((h - th) / 2.0)) with Python's round (ties to even = nearbyint).
at::Tensor centerCropImage(at::Tensor img, int64_t cropHeight, int64_t cropWidth) {
  int64_t h = img.size(-2), w = img.size(-1);
  if (cropWidth > w || cropHeight > h) {
    const std::vector<int64_t> ltrb = {cropWidth > w ? (cropWidth - w) / 2 : 0, cropHeight > h ? (cropHeight - h) / 2 : 0,
                                       cropWidth > w ? (cropWidth - w + 1) / 2 : 0, cropHeight > h ? (cropHeight - h + 1) / 2 : 0};
    img = padImage(img, {ltrb[0], ltrb[2], ltrb[1], ltrb[3]}, 0, "constant");
    h = img.size(-2);
    w = img.size(-1);
    if (cropWidth == w && cropHeight == h) return img;
  }
  const auto top = static_cast<int64_t>(std::nearbyint(static_cast<double>(h - cropHeight) / 2.0));
  const auto left = static_cast<int64_t>(std::nearbyint(static_cast<double>(w - cropWidth) / 2.0));
  return cropImage(img, top, left, cropHeight, cropWidth);
}

// centerCrop(img, [h, w])
Napi::Value TvCenterCrop(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "centerCrop", [&]() -> Napi::Value {
    const at::Tensor& img = imageArg(arg(info, 0));
    const std::vector<int64_t> size = intListArgAtLeast(arg(info, 1), "size", 2, 0);
    return Tensor::Wrap(info.Env(), centerCropImage(img, size[0], size[1]));
  });
}

Napi::Value TvHflip(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "hflip", [&]() -> Napi::Value {
    return Tensor::Wrap(info.Env(), imageArg(arg(info, 0)).flip({-1}));
  });
}

double maxValue(at::ScalarType t) {
  switch (t) {
    case at::kByte: return 255;
    case at::kChar: return 127;
    case at::kShort: return 32767;
    case at::kInt: return 2147483647;
    case at::kLong: return 9223372036854775807.0;
    default: return 1;
  }
}

// functional_tensor.convert_image_dtype: scaling between integer ranges and [0, 1].
at::Tensor convertImage(const at::Tensor& img, at::ScalarType dtype) {
  const at::ScalarType from = img.scalar_type();
  if (from == dtype) return img;
  if (img.is_floating_point()) {
    if (c10::isFloatingType(dtype)) return img.to(dtype);
    if ((from == at::kFloat && (dtype == at::kInt || dtype == at::kLong)) || (from == at::kDouble && dtype == at::kLong)) {
      throw ArgRangeError(std::string("the cast from ") + dtypeName(from) + " to " + dtypeName(dtype) + " cannot be performed safely");
    }
    const double eps = 1e-3;
    return img.mul(maxValue(dtype) + 1.0 - eps).to(dtype);
  }
  const double inMax = maxValue(from);
  if (c10::isFloatingType(dtype)) return img.to(dtype).div(inMax);
  const double outMax = maxValue(dtype);
  if (inMax > outMax) {
    const auto factor = static_cast<int64_t>(std::floor((inMax + 1) / (outMax + 1)));
    return at::div(img, factor, "floor").to(dtype);
  }
  const auto factor = static_cast<int64_t>(std::floor((outMax + 1) / (inMax + 1)));
  return img.to(dtype).mul(factor);
}

Napi::Value TvConvertDtype(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "convertImageDtype", [&]() -> Napi::Value {
    const at::Tensor& img = tensorArg(arg(info, 0), "image");
    const at::ScalarType dtype = dtypeArg(arg(info, 1), "dtype");
    checkRange(dtype != at::kBool && img.scalar_type() != at::kBool, "bool images are not supported");
    return Tensor::Wrap(info.Env(), convertImage(img, dtype));
  });
}

std::vector<double> numberList(const Napi::Value& v, const char* name) {
  if (v.IsNumber()) return {doubleArg(v, name)};
  if (!v.IsArray()) throw ArgTypeError(std::string("expected number or Array of numbers for ") + name + " but received " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  std::vector<double> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(doubleArg(a.Get(i), name));
  return out;
}

// functional_tensor.normalize: mean / std as tensors of the image's dtype, then sub_ / div_.
void checkNormalize(const at::Tensor& img, const std::vector<double>& mean, const std::vector<double>& std) {
  if (!img.is_floating_point()) throw ArgTypeError(std::string("expected a floating point tensor but got ") + dtypeName(img.scalar_type()));
  checkRange(img.dim() >= 3, "expected a tensor image of size (..., C, H, W) but it has " + std::to_string(img.dim()) + " dimensions");
  const int64_t c = img.size(-3);
  for (const auto* v : {&mean, &std}) {
    checkRange(v->size() == 1 || static_cast<int64_t>(v->size()) == c,
               std::string(v == &mean ? "mean" : "std") + " needs 1 or " + std::to_string(c) + " entries but has " +
                   std::to_string(v->size()));
  }
}

at::Tensor normalizeImage(at::Tensor img, const std::vector<double>& meanValues, const std::vector<double>& stdValues, bool inplace) {
  auto channels = [&](const std::vector<double>& v) {
    return at::tensor(v, at::TensorOptions().dtype(at::kDouble)).to(img.scalar_type()).to(img.device()).view({-1, 1, 1});
  };
  const at::Tensor mean = channels(meanValues);
  const at::Tensor std = channels(stdValues);
  checkRange(!std.eq(0).any().item<bool>(), "std evaluated to zero after conversion to " + std::string(dtypeName(img.scalar_type())) +
                                                ", leading to division by zero");
  at::Tensor out = inplace ? img : img.clone();
  return out.sub_(mean).div_(std);
}

// normalize(img, mean, std, inplace)
Napi::Value TvNormalize(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "normalize", [&]() -> Napi::Value {
    const at::Tensor& img = tensorArg(arg(info, 0), "tensor");
    const std::vector<double> mean = numberList(arg(info, 1), "mean");
    const std::vector<double> std = numberList(arg(info, 2), "std");
    const bool inplace = boolArg(arg(info, 3), "inplace");
    checkNormalize(img, mean, std);
    return Tensor::Wrap(info.Env(), normalizeImage(img, mean, std, inplace));
  });
}

// The ImageNet evaluation pipeline (resize [h, w] -> center crop -> float ->
// normalize), off the JS thread: the same functions as the synchronous ops.
struct ImagenetSpec {
  at::Tensor img;
  std::vector<int64_t> resize, crop;
  std::string mode;
  bool antialias = true;
  std::vector<double> mean, std;
};

class ImagenetWorker : public Napi::AsyncWorker {
 public:
  ImagenetWorker(Napi::Env env, ImagenetSpec spec)
      : Napi::AsyncWorker(env, "libtorch-resnet:preprocess"), spec_(std::move(spec)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      c10::NoGradGuard noGrad;
      at::Tensor x = resizeImage(spec_.img, spec_.resize, spec_.mode, spec_.antialias);
      x = centerCropImage(x, spec_.crop[0], spec_.crop[1]);
      x = convertImage(x, at::kFloat);
      out_ = normalizeImage(x.is_same(spec_.img) ? x.clone() : x, spec_.mean, spec_.std, true).contiguous();
      spec_.img = at::Tensor();
    } catch (const c10::Error& e) {
      SetError(cleanTorchMessage(e));
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Tensor::Wrap(Env(), std::move(out_))); }
  void OnError(const Napi::Error& error) override {
    deferred_.Reject(Napi::Error::New(Env(), "imagenetAsync: " + error.Message()).Value());
  }

 private:
  ImagenetSpec spec_;
  Napi::Promise::Deferred deferred_;
  at::Tensor out_;
};

// tvImagenetAsync(img, resize: [h, w], crop: [h, w], interpolation, antialias, mean, std) -> Promise<Tensor>
Napi::Value TvImagenetAsync(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "imagenetAsync", [&]() -> Napi::Value {
    ImagenetSpec s;
    s.img = imageArg(arg(info, 0));
    s.resize = intListArgAtLeast(arg(info, 1), "resizeSize", 2, 1);
    s.crop = intListArgAtLeast(arg(info, 2), "cropSize", 2, 1);
    s.mode = stringArg(arg(info, 3), "interpolation");
    s.antialias = boolArg(arg(info, 4), "antialias");
    s.mean = numberList(arg(info, 5), "mean");
    s.std = numberList(arg(info, 6), "std");
    checkResize(s.img, s.mode, s.antialias);
    checkRange(s.img.scalar_type() == at::kByte || s.img.is_floating_point(), "expected a uint8 or floating point image");
    checkNormalize(s.img.to(at::kFloat), s.mean, s.std);
    auto* worker = new ImagenetWorker(info.Env(), std::move(s));
    Napi::Promise promise = worker->promise();
    worker->Queue();
    return promise;
  });
}

}  // namespace

void InitInterpolate(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "interpolate", Interpolate);
  exportFunction(exports, "tvResize", TvResize);
  exportFunction(exports, "tvPad", TvPad);
  exportFunction(exports, "tvCrop", TvCrop);
  exportFunction(exports, "tvCenterCrop", TvCenterCrop);
  exportFunction(exports, "tvImagenetAsync", TvImagenetAsync);
  exportFunction(exports, "tvHflip", TvHflip);
  exportFunction(exports, "tvConvertDtype", TvConvertDtype);
  exportFunction(exports, "tvNormalize", TvNormalize);
}

}  // namespace ltr
