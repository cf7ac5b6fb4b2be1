// The fast inference mode's own executor: a frozen ResNet-style graph run as a chain of oneDNN
// primitives (see inference_onednn.cc). Built only where the libtorch links the system's oneDNN
// (Debian's), so that one oneDNN serves both; elsewhere compile() says why not and the fast mode
// keeps TorchScript's optimize_for_inference.
#pragma once

#include <ATen/ATen.h>
#include <torch/csrc/jit/ir/ir.h>

#include <memory>
#include <string>

namespace ltr::onednn {

class Executor;

// Whether this build has the executor.
bool available();

// The executor for `graph` (frozen: every weight a constant, BatchNorm folded), checked by building
// its plan for `example`; nullptr when the graph has an op it does not run, with the reason in
// `whyNot` (e.g. "aten::sigmoid is not supported").
std::shared_ptr<Executor> compile(const std::shared_ptr<torch::jit::Graph>& graph, const at::Tensor& example, std::string* whyNot);

// Runs it on `input` (float32, contiguous NCHW on the CPU; any batch size). Thread-safe: calls in
// flight at once each get their own buffers.
at::Tensor run(Executor& executor, const at::Tensor& input);

}  // namespace ltr::onednn
