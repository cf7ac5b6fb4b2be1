// Registration only: each op family lives in its own file.
#include "addon.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ltr::InitTensor(env, exports);
  ltr::InitFactory(env, exports);
  ltr::InitShape(env, exports);
  ltr::InitArith(env, exports);
  ltr::InitReduce(env, exports);
  ltr::InitActivation(env, exports);
  ltr::InitConv(env, exports);
  ltr::InitNorm(env, exports);
  ltr::InitPooling(env, exports);
  ltr::InitLinear(env, exports);
  ltr::InitLoss(env, exports);
  ltr::InitRuntime(env, exports);
  ltr::InitSerialize(env, exports);
  ltr::InitOptim(env, exports);
  ltr::InitData(env, exports);
  ltr::InitCompare(env, exports);
  ltr::InitIndex(env, exports);
  ltr::InitMath(env, exports);
  ltr::InitCreation(env, exports);
  ltr::InitNnFunctional(env, exports);
  ltr::InitJit(env, exports);
  ltr::InitInterpolate(env, exports);
  ltr::InitGradUtils(env, exports);
  ltr::InitRmsprop(env, exports);
  ltr::InitLayers(env, exports);
  ltr::InitGenerator(env, exports);
  ltr::InitInference(env, exports);
  ltr::InitDistributed(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(libtorch_resnet, Init)
