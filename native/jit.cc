// forwardAsync's native half: record a module's forward once with libtorch's
// JIT tracer, then replay the recording on a libuv worker thread.
//
// jitTrace(fn, inputs) runs the JavaScript forward synchronously *inside*
// torch::jit::tracer::trace: `fn` receives handles of the traced inputs (the
// module's parameters and buffers first, then the call's inputs), and every
// ATen op it dispatches is recorded into a graph. Tensors that are neither
// inputs nor results of recorded ops (e.g. made from JS data inside forward)
// become graph constants that share the tensor's storage.
//
// jitRun(plan, inputs, grad, threads) replays that graph with the plain
// interpreter (torch::jit::Code + InterpreterState): no optimisation pass
// runs, so the same aten ops are called in the same order with the same
// arguments as the JavaScript forward, hence the same bits. The worker holds
// its own references to the inputs (and the plan), so JavaScript may dispose
// its handles while a call runs. Grad mode and the intra-op thread count are
// thread-local in libtorch: the caller's values are carried into the worker.
//
// jitSave(plan, names, count, path) writes the plan as a TorchScript module
// (the first `count` inputs become its parameters/buffers under `names`), for
// Python's torch.jit.load.
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/csrc/jit/serialization/export.h>

#include <memory>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "jit.h"
#include "tensor.h"

namespace ltr {

PlanRef planArg(const Napi::Value& v) {
  if (!v.IsExternal()) throw ArgTypeError("expected a plan from jitTrace but received " + describe(v));
  return *v.As<Napi::External<PlanRef>>().Data();
}

namespace {

Napi::Value wrapPlan(Napi::Env env, PlanRef plan) {
  return Napi::External<PlanRef>::New(env, new PlanRef(std::move(plan)),
                                      [](Napi::Env, PlanRef* ref) { delete ref; });
}

// The forward's result as a stack: one Tensor handle or an array of them.
torch::jit::Stack resultStack(const Napi::Value& result) {
  torch::jit::Stack out;
  if (result.IsArray()) {
    Napi::Array a = result.As<Napi::Array>();
    if (a.Length() == 0) throw ArgTypeError("forward returned an empty array; it must return a Tensor or an array of Tensors");
    for (uint32_t i = 0; i < a.Length(); ++i) out.emplace_back(tensorArg(a.Get(i), "forward's result"));
  } else {
    out.emplace_back(tensorArg(result, "forward's result"));
  }
  return out;
}

Napi::Array wrapTensors(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  Napi::Array out = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) out.Set(static_cast<uint32_t>(i), Tensor::Wrap(env, tensors[i]));
  return out;
}

// jitTrace(fn: (handles: NativeTensor[]) => NativeTensor | NativeTensor[], inputs: NativeTensor[])
//   -> { plan, outputs: NativeTensor[] }
Napi::Value JitTrace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, "forwardAsync", [&]() -> Napi::Value {
    Napi::Value fnValue = arg(info, 0);
    if (!fnValue.IsFunction()) throw ArgTypeError("expected function for fn but received " + describe(fnValue));
    Napi::Function fn = fnValue.As<Napi::Function>();
    const std::vector<at::Tensor> inputs = tensorListArg(arg(info, 1), "inputs");
    torch::jit::Stack stack(inputs.begin(), inputs.end());

    auto traced = [&](torch::jit::Stack in) -> torch::jit::Stack {
      Napi::Array handles = Napi::Array::New(env, in.size());
      for (size_t i = 0; i < in.size(); ++i) handles.Set(static_cast<uint32_t>(i), Tensor::Wrap(env, in[i].toTensor()));
      // These handles are the tracer's view of the inputs, meaningful only while it records.
      // Disposed as soon as fn returns (or throws): left to the GC, they kept the inputs (a
      // model's every parameter and buffer) alive and reported to V8 a second time until a
      // collection came, so that disposing a model after optimizeForInference freed nothing.
      auto disposeHandles = [&] {
        for (uint32_t i = 0; i < handles.Length(); ++i) {
          Napi::Object handle = handles.Get(i).As<Napi::Object>();
          handle.Get("dispose").As<Napi::Function>().Call(handle, {});
        }
      };
      torch::jit::Stack results;
      try {
        results = resultStack(fn.Call({handles}));
      } catch (...) {
        disposeHandles();
        throw;
      }
      disposeHandles();
      return results;
    };
    std::shared_ptr<torch::jit::tracer::TracingState> state;
    torch::jit::Stack outputs;
    try {
      std::tie(state, outputs) = torch::jit::tracer::trace(
          std::move(stack), traced, [](const at::Tensor&) { return std::string(); }, /*strict=*/true,
          /*force_outplace=*/false);
    } catch (...) {
      // Never leave the JS thread in tracing mode (trace() abandons on most
      // paths; this covers the rest).
      if (torch::jit::tracer::isTracing()) torch::jit::tracer::abandon();
      throw;
    }
    auto plan = std::make_shared<Plan>();
    plan->graph = state->graph;
    plan->code = torch::jit::Code(plan->graph, "forward");
    plan->inputs = inputs.size();
    plan->outputs = outputs.size();
    std::vector<at::Tensor> results;
    for (const auto& v : outputs) results.push_back(v.toTensor());
    Napi::Object out = Napi::Object::New(env);
    out.Set("plan", wrapPlan(env, std::move(plan)));
    out.Set("outputs", wrapTensors(env, results));
    return out;
  });
}

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, PlanRef plan, std::vector<at::Tensor> inputs, bool grad, int threads)
      : Napi::AsyncWorker(env, "libtorch-resnet:forwardAsync"),
        plan_(std::move(plan)),
        inputs_(std::move(inputs)),
        grad_(grad),
        threads_(threads),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      if (threads_ > 0 && at::get_num_threads() != threads_) at::set_num_threads(threads_);
      c10::AutoGradMode grad(grad_);
      torch::jit::Stack stack(inputs_.begin(), inputs_.end());
      inputs_.clear();  // the stack holds the references now; the interpreter drops each when last used
      torch::jit::InterpreterState state(plan_->code);
      state.run(stack);
      for (auto& v : stack) outputs_.push_back(v.toTensor());
    } catch (const c10::Error& e) {
      SetError(cleanTorchMessage(e));
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override { deferred_.Resolve(wrapTensors(Env(), outputs_)); }

  void OnError(const Napi::Error& error) override {
    deferred_.Reject(Napi::Error::New(Env(), "forwardAsync: " + error.Message()).Value());
  }

 private:
  PlanRef plan_;
  std::vector<at::Tensor> inputs_;
  std::vector<at::Tensor> outputs_;
  bool grad_;
  int threads_;
  Napi::Promise::Deferred deferred_;
};

// jitRun(plan, inputs: NativeTensor[], gradEnabled: boolean, numThreads: number) -> Promise<NativeTensor[]>
Napi::Value JitRun(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "forwardAsync", [&]() -> Napi::Value {
    PlanRef plan = planArg(arg(info, 0));
    std::vector<at::Tensor> inputs = tensorListArg(arg(info, 1), "inputs");
    checkRange(inputs.size() == plan->inputs, "the plan takes " + std::to_string(plan->inputs) + " tensors but received " +
                                                  std::to_string(inputs.size()));
    const bool grad = boolArg(arg(info, 2), "gradEnabled");
    const int64_t threads = intArg(arg(info, 3), "numThreads");
    checkRange(threads >= 1 && threads <= 4096, "numThreads must be between 1 and 4096");
    auto* worker = new RunWorker(info.Env(), std::move(plan), std::move(inputs), grad, static_cast<int>(threads));
    Napi::Promise promise = worker->promise();
    worker->Queue();
    return promise;
  });
}

// A TorchScript attribute name from a state_dict key ("layer1.0.bn1.weight" ->
// "layer1_0_bn1_weight"): dots are not allowed in attribute names.
std::string attributeName(const std::string& key) {
  std::string out = key;
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "_" + out;
  return out;
}

// jitSave(plan, names: string[], stateCount: number, path: string)
Napi::Value JitSave(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "exportTorchScript", [&]() -> Napi::Value {
    PlanRef plan = planArg(arg(info, 0));
    Napi::Value namesValue = arg(info, 1);
    if (!namesValue.IsArray()) throw ArgTypeError("expected Array of strings for names but received " + describe(namesValue));
    Napi::Array names = namesValue.As<Napi::Array>();
    const std::vector<at::Tensor> state = tensorListArg(arg(info, 2), "state");
    const std::string path = stringArg(arg(info, 3), "path");
    checkRange(names.Length() == state.size() && state.size() < plan->inputs,
               "names and state must match the plan's state inputs");
    std::vector<std::string> keys;
    for (uint32_t i = 0; i < names.Length(); ++i) keys.push_back(stringArg(names.Get(i), "names"));
    tracedModule(*plan, keys, state).save(path);
    return info.Env().Undefined();
  });
}

}  // namespace

torch::jit::Module tracedModule(const Plan& plan, const std::vector<std::string>& names, const std::vector<at::Tensor>& state) {
  torch::jit::Module module("__torch__.LibtorchResnetTraced");
  std::shared_ptr<torch::jit::Graph> graph = plan.graph->copy();
  torch::jit::Value* self = graph->insertInput(0, "self");
  self->setType(module._ivalue()->type());
  graph->setInsertPoint(graph->nodes().front());
  for (size_t i = 0; i < state.size(); ++i) {
    const std::string name = attributeName(names.at(i));
    module.register_buffer(name, state[i].detach());
    torch::jit::Value* input = graph->inputs().at(1);
    torch::jit::Node* get = graph->createGetAttr(self, name);
    graph->insertNode(get);
    input->replaceAllUsesWith(get->output());
    graph->eraseInput(1);
  }
  auto fn = module._ivalue()->compilation_unit()->create_function(
      c10::QualifiedName(*module.type()->name(), "forward"), graph);
  module.type()->addMethod(fn);
  module.eval();
  return module;
}

void InitJit(Napi::Env, Napi::Object exports) {
  exportFunction(exports, "jitTrace", JitTrace);
  exportFunction(exports, "jitRun", JitRun);
  exportFunction(exports, "jitSave", JitSave);
}

}  // namespace ltr
