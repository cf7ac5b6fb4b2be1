// Node-API "basic finalizers" (issue #9, the GC backstop in synchronous loops).
//
// Force-included before every addon source (CMakeLists.txt: -include), so that
// node-addon-api sees it before <napi.h>.
//
// By default Node defers every N-API finalizer to the event loop
// (SetImmediate): a synchronous loop that drops tensor handles keeps each
// collected handle's native object, Node's reference record and, until the
// GC-backstop sweep gets to it, its tensor, until the loop yields. A module
// that registers with NAPI_VERSION_EXPERIMENTAL (addon.cc) gets its
// finalizers called synchronously from the GC instead (Node >= 20.10; tested
// on 20.20), on condition that they only make "basic" calls that do not touch
// the JS heap (napi_adjust_external_memory, freeing C++ memory); anything
// else aborts the process with "Finalizer is calling a function that may
// affect GC state". node-addon-api supports this with
// ObjectWrap::Finalize(Napi::BasicEnv) once NODE_API_EXPERIMENTAL_HAS_POST_FINALIZER
// is defined. What may not run inside the GC is deferred with
// node_api_post_finalizer: in Node 20, napi_delete_reference (node-addon-api's
// ~Reference posts it), so a collected handle's Reference record still waits
// for the event loop, but its tensor and its C++ object do not.
//
// node-api-headers leaves node_api_post_finalizer out (it is experimental);
// Node's own js_native_api.h declares it as below. It is declared weak and
// called through ltr_post_finalizer: Node versions without it run finalizers
// from the event loop, outside the GC, where calling the deferred part at
// once is what they did before (untested: only Node 20.20 is tested here).
// There the sweep in tensor.cc bounds memory.
#pragma once

// With the experimental module version, Node reports "JS cannot run here any
// more" (an environment shutting down: worker.terminate(), process.exit() in
// a worker) as Node-API 10's napi_cannot_run_js instead of
// napi_pending_exception, and node-addon-api's
// NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS (CMakeLists.txt) recognises that
// status only when built for version 10; built for 8 it threw a Napi::Error out
// of a callback during teardown (std::terminate, SIGABRT: the hardening
// test's worker teardown caught it). The version-10 declarations this adds
// are not called (Node 20 has Node-API 9); `nm -D` shows what is imported.
#undef NAPI_VERSION
#define NAPI_VERSION 10

#include <node_api.h>

#define NODE_API_EXPERIMENTAL_HAS_POST_FINALIZER 1

EXTERN_C_START
NAPI_EXTERN napi_status NAPI_CDECL node_api_post_finalizer(node_api_basic_env env, napi_finalize finalize_cb,
                                                           void* finalize_data, void* finalize_hint)
    __attribute__((weak));
EXTERN_C_END

inline napi_status ltr_post_finalizer(node_api_basic_env env, napi_finalize finalize_cb, void* finalize_data,
                                      void* finalize_hint) {
  if (&node_api_post_finalizer != nullptr) return node_api_post_finalizer(env, finalize_cb, finalize_data, finalize_hint);
  finalize_cb(env, finalize_data, finalize_hint);
  return napi_ok;
}
#define node_api_post_finalizer ltr_post_finalizer
