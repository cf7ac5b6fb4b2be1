// What jit.cc shares with other files: the plan a trace records, and the
// TorchScript module made from it (exportTorchScript writes it; the fast
// inference mode freezes and optimizes it).
#pragma once

#include <ATen/ATen.h>
#include <napi.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/interpreter.h>

#include <memory>
#include <string>
#include <vector>

namespace ltr {

struct Plan {
  std::shared_ptr<torch::jit::Graph> graph;
  torch::jit::Code code;
  size_t inputs = 0;
  size_t outputs = 0;
};

using PlanRef = std::shared_ptr<Plan>;

// The plan behind a jitTrace result, or an ArgTypeError.
PlanRef planArg(const Napi::Value& v);

// A module whose forward is the plan's graph with its first state.size()
// inputs turned into buffers named after `names` (state_dict keys, '.' -> '_'),
// in eval mode.
torch::jit::Module tracedModule(const Plan& plan, const std::vector<std::string>& names, const std::vector<at::Tensor>& state);

}  // namespace ltr
