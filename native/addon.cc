// Registration only: each op family lives in its own file.
#include "addon.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ltr::InitCpuAllocator(env, exports);  // first: before any tensor is allocated
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
  ltr::InitOpenmpWait(env, exports);
  return exports;
}

}  // namespace

// NODE_API_MODULE(libtorch_resnet, Init), except that the module reports
// NAPI_VERSION_EXPERIMENTAL as its API version: Node then calls its (basic)
// finalizers synchronously from the GC, so tensor handles dropped in a
// synchronous loop free their native memory at once (see
// native/napi_basic_finalizers.h). The API the addon calls is still version 8's.
namespace {
napi_value RegisterAddon(napi_env env, napi_value exports) { return Napi::RegisterModule(env, exports, Init); }
}  // namespace

EXTERN_C_START
NAPI_MODULE_EXPORT int32_t NODE_API_MODULE_GET_API_VERSION(void) { return NAPI_VERSION_EXPERIMENTAL; }
NAPI_MODULE_EXPORT napi_value NAPI_MODULE_INITIALIZER(napi_env env, napi_value exports) { return RegisterAddon(env, exports); }
EXTERN_C_END
