// The preloader: a tiny addon with no libtorch dependency.
//
// A prebuilt libtorch_resnet.node records its libtorch as DT_NEEDED sonames
// (libtorch_cpu.so, libc10.so, ...) and no rpath, because where libtorch lives
// is only known at run time (a pip venv, an unpacked zip, /usr/lib). The loader
// (lib/libtorch.ts) finds it, then calls preload() with the full paths: each is
// dlopen'ed RTLD_GLOBAL, so when the addon is loaded next the dynamic linker
// matches its DT_NEEDED entries by soname against the libraries already in the
// process, and no LD_LIBRARY_PATH is needed. libtorch's own dependencies
// resolve through its RUNPATH ($ORIGIN), as they do for `import torch`.
//
// Plain Node-API in C style: this must load on any Node, before anything else.
#include <dlfcn.h>
#include <node_api.h>

#include <string>

namespace {

napi_value Fail(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

// preload(paths: string[]) -> undefined; throws an Error holding dlerror()'s
// text (it names the missing library) for the first path that fails.
napi_value Preload(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return Fail(env, "preload: bad call");
  bool isArray = false;
  if (argc < 1 || napi_is_array(env, argv[0], &isArray) != napi_ok || !isArray) {
    return Fail(env, "preload: expected an array of library paths");
  }
  uint32_t length = 0;
  napi_get_array_length(env, argv[0], &length);
  for (uint32_t i = 0; i < length; i++) {
    napi_value element;
    napi_get_element(env, argv[0], i, &element);
    size_t size = 0;
    if (napi_get_value_string_utf8(env, element, nullptr, 0, &size) != napi_ok) {
      return Fail(env, "preload: expected a string path");
    }
    std::string path(size, '\0');
    napi_get_value_string_utf8(env, element, path.data(), size + 1, &size);
    // Never dlclose'd: libtorch stays for the life of the process, as it does
    // when the addon links it directly.
    if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
      const char* why = dlerror();
      return Fail(env, why != nullptr ? why : ("cannot load " + path));
    }
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "preload", NAPI_AUTO_LENGTH, Preload, nullptr, &fn);
  napi_set_named_property(env, exports, "preload", fn);
  return exports;
}

}  // namespace

NAPI_MODULE(ltr_preload, Init)
