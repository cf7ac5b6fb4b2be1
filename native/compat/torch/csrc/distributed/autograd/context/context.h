// Stand-in for a header Debian's libtorch-dev 1.13 leaves out (it ships
// torch/csrc/distributed/c10d/ but not torch/csrc/distributed/autograd/), which
// c10d/reducer.hpp includes. The Reducer only names these types: a
// shared_ptr<DistAutogradContext> member (the pointee is never touched by this
// addon, distributed autograd over RPC is not used) and a static_assert on the
// GradCallback type. CMakeLists.txt puts this folder on the include path of
// native/distributed.cc only when the real header is missing.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
