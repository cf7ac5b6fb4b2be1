// The one exception boundary between libtorch and JavaScript.
//
// Every exported function runs its body inside `guard(env, "op", ...)`. Whatever
// escapes the body becomes a JavaScript exception whose message starts with the
// op name, so a libtorch error, a bad argument or a disposed tensor never takes
// the Node process down (the pattern of tch-rs' PROTECT and onnxruntime-node's
// ORT_NAPI_THROW_*).
#pragma once

#include <napi.h>

#include <c10/util/Exception.h>

#include <stdexcept>
#include <string>

namespace ltr {

// Thrown by argument checks: a wrong kind of argument (becomes a JS TypeError).
struct ArgTypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown by argument checks: a value of the right kind that is out of range
// (becomes a JS RangeError).
struct ArgRangeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// libtorch messages end with a newline and, depending on the build, carry an
// "Exception raised from ... at file:line" trailer and a C++ backtrace. Users
// need the first part only.
std::string cleanTorchMessage(const c10::Error& e);

template <typename Body>
auto guard(Napi::Env env, const char* op, Body&& body) -> decltype(body()) {
  const std::string prefix = std::string(op) + ": ";
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;  // already a JS error with its own message
  } catch (const ArgTypeError& e) {
    throw Napi::TypeError::New(env, prefix + e.what());
  } catch (const ArgRangeError& e) {
    throw Napi::RangeError::New(env, prefix + e.what());
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, prefix + cleanTorchMessage(e));
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, prefix + "out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, prefix + e.what());
  } catch (...) {
    throw Napi::Error::New(env, prefix + "unknown C++ exception");
  }
}

}  // namespace ltr
