// What every op-family file needs to register its functions.
#pragma once

#include <napi.h>

namespace ltr {

inline void exportFunction(Napi::Object exports, const char* name, Napi::Function::Callback fn) {
  exports.Set(name, Napi::Function::New(exports.Env(), fn, name));
}

// One registration function per op family (each defined in its own file).
void InitTensor(Napi::Env env, Napi::Object exports);
void InitFactory(Napi::Env env, Napi::Object exports);
void InitShape(Napi::Env env, Napi::Object exports);
void InitArith(Napi::Env env, Napi::Object exports);
void InitReduce(Napi::Env env, Napi::Object exports);
void InitActivation(Napi::Env env, Napi::Object exports);
void InitConv(Napi::Env env, Napi::Object exports);
void InitNorm(Napi::Env env, Napi::Object exports);
void InitPooling(Napi::Env env, Napi::Object exports);
void InitLinear(Napi::Env env, Napi::Object exports);
void InitLoss(Napi::Env env, Napi::Object exports);
void InitRuntime(Napi::Env env, Napi::Object exports);
void InitOpenmpWait(Napi::Env env, Napi::Object exports);
void InitCpuAllocator(Napi::Env env, Napi::Object exports);
// Tells the OpenMP wait policy (native/openmp_wait.cc) the intra-op thread count set by the user.
void noteIntraOpThreads(int n);
void InitSerialize(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);
void InitData(Napi::Env env, Napi::Object exports);
// The tensor surface (issue #11).
void InitCompare(Napi::Env env, Napi::Object exports);
void InitIndex(Napi::Env env, Napi::Object exports);
void InitMath(Napi::Env env, Napi::Object exports);
void InitCreation(Napi::Env env, Napi::Object exports);
void InitNnFunctional(Napi::Env env, Napi::Object exports);
void InitJit(Napi::Env env, Napi::Object exports);
void InitInterpolate(Napi::Env env, Napi::Object exports);
void InitGradUtils(Napi::Env env, Napi::Object exports);  // grad_utils.cc (clip, inference mode, tensor hooks)
void InitRmsprop(Napi::Env env, Napi::Object exports);    // rmsprop.cc
void InitLayers(Napi::Env env, Napi::Object exports);     // layers.cc (layer/group norm, conv1d, embedding, upsample)
void InitGenerator(Napi::Env env, Napi::Object exports);  // generator.cc (torch.Generator for samplers)
void InitInference(Napi::Env env, Napi::Object exports);  // inference.cc (optimizeForInference: frozen, oneDNN)

void InitDistributed(Napi::Env env, Napi::Object exports);  // distributed.cc (c10d: process groups, DDP's Reducer)

}  // namespace ltr
