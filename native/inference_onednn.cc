// The fast inference mode's executor: the frozen graph (BatchNorm already folded into the convs by
// torch::jit::freeze) lowered to a chain of oneDNN primitives, the way onnxruntime runs a graph
// on its own kernels instead of op by op.
//
// Why not TorchScript's optimize_for_inference, which also runs oneDNN's convolutions: there each
// op goes through the interpreter, the dispatcher and ideep, which looks its primitive up in a
// cache on every call and allocates every output; ReLU and the residual add are separate passes
// over the activations. Here the primitives are made once per input shape, the convs carry ReLU
// and the residual add as oneDNN post-ops (conv + ReLU, conv + add + ReLU: the "sum" post-op
// accumulates the conv into the residual's buffer), and activations stay in oneDNN's blocked
// layout from the first conv to the pooling before the classifier. resnet18 batch 1 on 1 thread:
// ~45 ms against ~54 for TorchScript's (PyTorch frozen: the same), onnxruntime-node ~47.
//
// Ops it runs (anything else: compile() returns nullptr with the reason, and the fast mode keeps
// TorchScript's path): _convolution / conv2d (not transposed; groups and dilation allowed),
// relu(_), add(_) with alpha 1, max_pool2d (no ceil_mode or dilation), adaptive_avg_pool2d to
// an output that divides the input, flatten(1), linear, softmax over the last of 2 dims, and
// dropout when not training. Float32 only.
//
// Buffers: each value of the graph gets a slot; a slot whose last reader has run is reused by a
// later value of the same size, and a residual whose last use is the add becomes the conv's output
// (in place). The slots' memory is allocated per call from the caching CPU allocator
// (cpu_allocator.cc), which hands the same blocks back call after call, so a plan per batch size
// costs only its primitives, not a second set of activations.
#include "inference_onednn.h"

#include <map>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#if LTR_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace ltr::onednn {

#if !LTR_HAVE_ONEDNN

class Executor {};

bool available() { return false; }

std::shared_ptr<Executor> compile(const std::shared_ptr<torch::jit::Graph>&, const at::Tensor&, std::string* whyNot) {
  *whyNot = "this build has no oneDNN executor (it needs a libtorch linked with the system's oneDNN, and its headers: libdnnl-dev)";
  return nullptr;
}

at::Tensor run(Executor&, const at::Tensor&) { throw std::logic_error("this build has no oneDNN executor"); }

#else

bool available() { return true; }

namespace {

using dnnl::memory;
using Dims = memory::dims;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;

dnnl::engine& engine() {
  static dnnl::engine cpu(dnnl::engine::kind::cpu, 0);
  return cpu;
}

// A graph the executor cannot run: compile() turns it into its reason.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Kind { Conv, Relu, Add, MaxPool, AvgPool, Flatten, Linear, Softmax };

struct Op {
  Op(Kind kind, std::vector<int> in, int out = -1) : kind(kind), in(std::move(in)), out(out) {}
  Kind kind;
  std::vector<int> in;  // values read (value 0 is the graph's input)
  int out;              // value written
  // Conv, Linear: the weight as frozen (BatchNorm folded; let go once reordered, see packedWeights),
  // its sizes, and the bias (undefined when there is none).
  at::Tensor weight, bias;
  std::vector<int64_t> weightSizes;
  Dims stride, padding, dilation, kernel;
  int64_t groups = 1;
  bool relu = false;  // Conv, Linear: ReLU as a post-op
  int sum = -1;       // Conv: the value a "sum" post-op adds (the residual), or -1
  // Conv, Linear: the weights reordered to the layout oneDNN chose, by that layout (shared by plans).
  std::vector<std::pair<memory::desc, at::Tensor>> packed;
};

// One runnable instance of the graph for one input shape: primitives and the memory objects they
// read and write. The memory behind them is bound per call (bind()).
struct Plan {
  std::vector<std::pair<dnnl::primitive, std::unordered_map<int, memory>>> steps;
  memory input, output;
  std::vector<int64_t> outputSizes;
  // Per slot: its size and the memory objects over it (a value may be seen through two descs).
  std::vector<size_t> slotBytes;
  std::vector<std::vector<memory>> slotViews;
  size_t scratchBytes = 0;
  std::vector<memory> scratchViews;
};

std::vector<int64_t> intList(torch::jit::Value* v, const char* what) {
  auto iv = torch::jit::toIValue(v);
  if (!iv || !iv->isIntList()) throw Unsupported(std::string(what) + " is not a constant list of ints");
  return iv->toIntVector();
}

int64_t intConst(torch::jit::Value* v, const char* what) {
  auto iv = torch::jit::toIValue(v);
  if (!iv || !iv->isInt()) throw Unsupported(std::string(what) + " is not a constant int");
  return iv->toInt();
}

bool boolConst(torch::jit::Value* v, const char* what) {
  auto iv = torch::jit::toIValue(v);
  if (!iv || !iv->isBool()) throw Unsupported(std::string(what) + " is not a constant bool");
  return iv->toBool();
}

at::Tensor tensorConst(torch::jit::Value* v, const char* what, bool optional) {
  auto iv = torch::jit::toIValue(v);
  if (optional && iv && iv->isNone()) return {};
  if (!iv || !iv->isTensor()) throw Unsupported(std::string(what) + " is not a constant tensor");
  at::Tensor t = iv->toTensor();
  if (t.scalar_type() != at::kFloat || !t.device().is_cpu()) throw Unsupported(std::string(what) + " is not a float32 CPU tensor");
  return t.contiguous();
}

Dims dims2(const std::vector<int64_t>& v, const char* what) {
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() != 2) throw Unsupported(std::string(what) + " must have 1 or 2 values");
  return {v[0], v[1]};
}

}  // namespace

class Executor {
 public:
  std::vector<Op> ops;
  int values = 1;
  int outputValue = -1;

  std::unique_ptr<Plan> acquire(const std::vector<int64_t>& sizes) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& idle = idle_[sizes];
    if (!idle.empty()) {
      std::unique_ptr<Plan> plan = std::move(idle.back());
      idle.pop_back();
      return plan;
    }
    return build(sizes);  // under the lock: it fills ops[].packed
  }

  void release(const std::vector<int64_t>& sizes, std::unique_ptr<Plan> plan) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_[sizes].push_back(std::move(plan));
  }

 private:
  std::unique_ptr<Plan> build(const std::vector<int64_t>& inputSizes);
  memory packedWeights(Op& op, const memory::desc& want, const Dims& plainDims, Tag plainTag, dnnl::stream& stream);

  std::mutex mutex_;
  std::map<std::vector<int64_t>, std::vector<std::unique_ptr<Plan>>> idle_;
};

namespace {

// Walks the frozen graph into ops, fusing ReLU and the residual add into the convs.
class Lowering {
 public:
  explicit Lowering(Executor& ex) : ex_(ex) {}

  void run(torch::jit::Graph& graph) {
    // inputs: the module (unused once frozen) and the tensor
    if (graph.inputs().size() != 2) throw Unsupported("the forward must take one input");
    ids_[graph.inputs()[1]] = 0;
    for (torch::jit::Node* node : graph.nodes()) lower(node);
    if (graph.outputs().size() != 1) throw Unsupported("the forward must return one tensor");
    ex_.outputValue = id(graph.outputs()[0]);
    if (ex_.outputValue == 0) throw Unsupported("the forward returns its input");
  }

 private:
  int id(torch::jit::Value* v) {
    auto it = ids_.find(v);
    if (it == ids_.end()) throw Unsupported("a value comes from outside the graph's ops (" + v->debugName() + ")");
    return it->second;
  }
  int fresh(torch::jit::Value* v) { return ids_[v] = ex_.values++; }
  void alias(torch::jit::Value* v, int value) { ids_[v] = value; }

  // The op that wrote `value`, if it is a conv or linear layer that may still take a post-op.
  Op* layerWriting(int value) {
    auto it = writer_.find(value);
    if (it == writer_.end()) return nullptr;
    Op& op = ex_.ops[it->second];
    return (op.kind == Kind::Conv || op.kind == Kind::Linear) && op.out == value ? &op : nullptr;
  }

  void push(Op op) {
    writer_[op.out] = static_cast<int>(ex_.ops.size());
    ex_.ops.push_back(std::move(op));
  }

  // An in-place op (relu_, add_) may be run as a new value only if nothing else reads its target.
  static void checkSoleUse(torch::jit::Node* node) {
    if (node->inputs()[0]->uses().size() != 1) throw Unsupported(std::string(node->kind().toQualString()) + " modifies a tensor that is read elsewhere");
  }

  void lower(torch::jit::Node* node) {
    const std::string kind = node->kind().toQualString();
    auto in = [&](size_t i) { return node->inputs()[i]; };
    if (kind == "prim::Constant") return;
    if (kind == "aten::_convolution" || kind == "aten::conv2d") {
      Op op{Kind::Conv, {id(in(0))}};
      op.weight = tensorConst(in(1), "the conv weight", false);
      op.weightSizes = op.weight.sizes().vec();
      op.bias = tensorConst(in(2), "the conv bias", true);
      if (op.weight.dim() != 4) throw Unsupported("only 2-d convolutions are supported");
      op.stride = dims2(intList(in(3), "stride"), "stride");
      op.padding = dims2(intList(in(4), "padding"), "padding");
      op.dilation = dims2(intList(in(5), "dilation"), "dilation");
      if (kind == "aten::_convolution") {
        if (boolConst(in(6), "transposed")) throw Unsupported("transposed convolutions are not supported");
        op.groups = intConst(in(8), "groups");
      } else {
        op.groups = intConst(in(6), "groups");
      }
      op.out = fresh(node->output());
      push(std::move(op));
    } else if (kind == "aten::relu" || kind == "aten::relu_") {
      if (kind == "aten::relu_") checkSoleUse(node);
      const int x = id(in(0));
      Op* layer = layerWriting(x);
      if (layer != nullptr && !layer->relu && in(0)->uses().size() == 1) {
        layer->relu = true;
        alias(node->output(), x);
        return;
      }
      push(Op{Kind::Relu, {x}, fresh(node->output())});
    } else if (kind == "aten::add" || kind == "aten::add_") {
      if (node->inputs().size() != 3 || !in(1)->type()->cast<c10::TensorType>()) throw Unsupported(kind + " of a tensor and a scalar is not supported");
      auto alpha = torch::jit::toIValue(in(2));
      if (!alpha || !((alpha->isInt() && alpha->toInt() == 1) || (alpha->isDouble() && alpha->toDouble() == 1.0))) throw Unsupported(kind + " with alpha other than 1 is not supported");
      if (kind == "aten::add_") checkSoleUse(node);
      const int a = id(in(0)), b = id(in(1));
      // The residual add goes into the conv that runs last of the two operands' writers, so the
      // other operand already exists when that conv adds its output to it.
      int fused = -1, other = -1;
      for (const auto& [candidate, rest, value] : {std::tuple{a, b, in(0)}, std::tuple{b, a, in(1)}}) {
        Op* layer = layerWriting(candidate);
        if (layer == nullptr || layer->kind != Kind::Conv || layer->relu || layer->sum >= 0 || value->uses().size() != 1 || candidate == rest) continue;
        if (fused < 0 || writer_[candidate] > writer_[fused]) {
          const auto restWriter = writer_.find(rest);
          if (rest == 0 || (restWriter != writer_.end() && restWriter->second < writer_[candidate])) {
            fused = candidate;
            other = rest;
          }
        }
      }
      if (fused >= 0) {
        layerWriting(fused)->sum = other;
        alias(node->output(), fused);
        return;
      }
      push(Op{Kind::Add, {a, b}, fresh(node->output())});
    } else if (kind == "aten::max_pool2d") {
      Op op{Kind::MaxPool, {id(in(0))}};
      op.kernel = dims2(intList(in(1), "kernel_size"), "kernel_size");
      const auto stride = intList(in(2), "stride");
      op.stride = stride.empty() ? op.kernel : dims2(stride, "stride");
      op.padding = dims2(intList(in(3), "padding"), "padding");
      const Dims dilation = dims2(intList(in(4), "dilation"), "dilation");
      if (dilation[0] != 1 || dilation[1] != 1) throw Unsupported("max_pool2d with dilation is not supported");
      if (boolConst(in(5), "ceil_mode")) throw Unsupported("max_pool2d with ceil_mode is not supported");
      op.out = fresh(node->output());
      push(std::move(op));
    } else if (kind == "aten::adaptive_avg_pool2d") {
      Op op{Kind::AvgPool, {id(in(0))}};
      op.kernel = dims2(intList(in(1), "output_size"), "output_size");  // the output size, until the plan knows the input's
      op.out = fresh(node->output());
      push(std::move(op));
    } else if (kind == "aten::flatten") {
      const int64_t start = intConst(in(1), "start_dim"), end = intConst(in(2), "end_dim");
      if (start != 1 || (end != -1 && end != 3)) throw Unsupported("only flatten(1) is supported");
      push(Op{Kind::Flatten, {id(in(0))}, fresh(node->output())});
    } else if (kind == "aten::linear") {
      Op op{Kind::Linear, {id(in(0))}};
      op.weight = tensorConst(in(1), "the linear weight", false);
      op.weightSizes = op.weight.sizes().vec();
      op.bias = tensorConst(in(2), "the linear bias", true);
      if (op.weight.dim() != 2) throw Unsupported("the linear weight must be 2-d");
      op.out = fresh(node->output());
      push(std::move(op));
    } else if (kind == "aten::softmax") {
      const int64_t dim = intConst(in(1), "dim");
      if (node->inputs().size() > 2 && !torch::jit::toIValue(in(2)).value_or(c10::IValue(1)).isNone()) throw Unsupported("softmax with a dtype is not supported");
      if (dim != 1 && dim != -1) throw Unsupported("softmax over a dim other than the last of 2 is not supported");
      push(Op{Kind::Softmax, {id(in(0))}, fresh(node->output())});
    } else if (kind == "aten::dropout" || kind == "aten::dropout_") {
      if (boolConst(in(2), "train")) throw Unsupported("dropout in training mode is not supported");
      alias(node->output(), id(in(0)));
    } else {
      throw Unsupported(kind + " is not supported");
    }
  }

  Executor& ex_;
  std::unordered_map<torch::jit::Value*, int> ids_;
  std::unordered_map<int, int> writer_;  // value -> index of the op that wrote it
};

}  // namespace

memory Executor::packedWeights(Op& op, const memory::desc& want, const Dims& plainDims, Tag plainTag, dnnl::stream& stream) {
  for (auto& [desc, tensor] : op.packed) {
    if (desc == want) return memory(want, engine(), tensor.data_ptr());
  }
  at::Tensor storage = at::empty({static_cast<int64_t>(want.get_size())}, at::kByte);
  memory packed(want, engine(), storage.data_ptr());
  // The first layout comes from the frozen weight, which is then let go (a model's worth of
  // memory); a later one (another batch size may want another) from the first layout.
  memory from = op.packed.empty() ? memory({plainDims, kF32, plainTag}, engine(), op.weight.data_ptr())
                                  : memory(op.packed.front().first, engine(), op.packed.front().second.data_ptr());
  dnnl::reorder(from, packed).execute(stream, from, packed);
  stream.wait();
  op.packed.emplace_back(want, storage);
  op.weight = at::Tensor();
  return packed;
}

std::unique_ptr<Plan> Executor::build(const std::vector<int64_t>& inputSizes) {
  if (inputSizes.size() != 4) throw Unsupported("the input must be 4-d (NCHW)");
  auto plan = std::make_unique<Plan>();
  dnnl::engine& eng = engine();
  dnnl::stream stream(eng);
  dnnl::primitive_attr plainAttr;
  plainAttr.set_scratchpad_mode(dnnl::scratchpad_mode::user);

  // The last op that reads each value (the output is read at the end).
  std::vector<int> lastRead(values, -1);
  for (size_t i = 0; i < ops.size(); ++i) {
    for (int v : ops[i].in) lastRead[v] = static_cast<int>(i);
    if (ops[i].sum >= 0) lastRead[ops[i].sum] = static_cast<int>(i);
  }
  lastRead[outputValue] = static_cast<int>(ops.size());

  std::vector<memory::desc> desc(values);
  std::vector<memory> mem(values);
  std::vector<int> slotOf(values, -1);
  std::vector<int> slotUsers;               // live values per slot
  std::multimap<size_t, int> freeSlots;     // by size
  const Dims inputDims(inputSizes.begin(), inputSizes.end());
  desc[0] = memory::desc(inputDims, kF32, Tag::nchw);
  mem[0] = memory(desc[0], eng, DNNL_MEMORY_NONE);
  plan->input = mem[0];

  // A value's memory: a free slot of its size, or a new one.
  auto place = [&](int value, const memory::desc& d) {
    const size_t bytes = d.get_size();
    int slot;
    auto it = freeSlots.find(bytes);
    if (it != freeSlots.end()) {
      slot = it->second;
      freeSlots.erase(it);
    } else {
      slot = static_cast<int>(plan->slotBytes.size());
      plan->slotBytes.push_back(bytes);
      plan->slotViews.emplace_back();
      slotUsers.push_back(0);
    }
    desc[value] = d;
    mem[value] = memory(d, eng, DNNL_MEMORY_NONE);
    plan->slotViews[slot].push_back(mem[value]);
    slotOf[value] = slot;
    slotUsers[slot]++;
  };
  // The output takes over the input's slot (in place).
  auto takeOver = [&](int value, int from) {
    desc[value] = desc[from];
    mem[value] = mem[from];
    slotOf[value] = slotOf[from];
    slotUsers[slotOf[value]]++;
  };
  auto step = [&](const dnnl::primitive& p, std::unordered_map<int, memory> args, const memory::desc& scratch) {
    if (scratch.get_size() > 0) {
      memory view(scratch, eng, DNNL_MEMORY_NONE);
      plan->scratchViews.push_back(view);
      plan->scratchBytes = std::max(plan->scratchBytes, scratch.get_size());
      args[DNNL_ARG_SCRATCHPAD] = view;
    }
    plan->steps.emplace_back(p, std::move(args));
  };
  auto copy = [&](const memory& from, const memory& to) {
    dnnl::reorder::primitive_desc pd(eng, from.get_desc(), eng, to.get_desc(), plainAttr);
    step(dnnl::reorder(pd), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}}, pd.scratchpad_desc());
  };
  auto inPlaceOk = [&](int value, int at) { return value != 0 && lastRead[value] == at; };
  // An elementwise op's output: its input's slot when this op reads it last, else a slot of its own.
  auto placeOrTakeOver = [&](const Op& op, int x, int at, const memory::desc& d) {
    if (inPlaceOk(x, at) && !(op.in.size() > 1 && op.in[1] == x)) {
      takeOver(op.out, x);
    } else {
      place(op.out, d);
    }
  };
  auto dimsOf = [&](int value) { return desc[value].dims(); };

  for (size_t i = 0; i < ops.size(); ++i) {
    Op& op = ops[i];
    const int at = static_cast<int>(i);
    const int x = op.in[0];
    const Dims xd = dimsOf(x);
    dnnl::post_ops post;
    if (op.sum >= 0) post.append_sum(1.f);
    if (op.relu) post.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    attr.set_post_ops(post);
    switch (op.kind) {
      case Kind::Conv: {
        if (xd.size() != 4) throw Unsupported("a conv's input is not 4-d");
        const int64_t oc = op.weightSizes.at(0), g = op.groups;
        if (xd[1] != op.weightSizes.at(1) * g) throw Unsupported("a conv's input channels do not match its weight");
        Dims out{xd[0], oc, 0, 0};
        for (int k = 0; k < 2; ++k) {
          out[2 + k] = (xd[2 + k] + 2 * op.padding[k] - op.dilation[k] * (op.weightSizes.at(2 + k) - 1) - 1) / op.stride[k] + 1;
        }
        const Dims plainW = g == 1 ? Dims{oc, xd[1], op.weightSizes.at(2), op.weightSizes.at(3)}
                                   : Dims{g, oc / g, xd[1] / g, op.weightSizes.at(2), op.weightSizes.at(3)};
        memory::desc wAny(plainW, kF32, Tag::any);
        memory::desc dst = op.sum >= 0 ? desc[op.sum] : memory::desc(out, kF32, Tag::any);
        if (op.sum >= 0 && dimsOf(op.sum) != out) throw Unsupported("a residual add's operands differ in shape");
        const Dims dilation{op.dilation[0] - 1, op.dilation[1] - 1};
        auto d = op.bias.defined()
                     ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, desc[x], wAny,
                                                       memory::desc({oc}, kF32, Tag::x), dst, op.stride, dilation, op.padding, op.padding)
                     : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, desc[x], wAny,
                                                       dst, op.stride, dilation, op.padding, op.padding);
        dnnl::convolution_forward::primitive_desc pd(d, attr, eng);
        memory weights = packedWeights(op, pd.weights_desc(), plainW, g == 1 ? Tag::oihw : Tag::goihw, stream);
        if (op.sum >= 0 && inPlaceOk(op.sum, at) && pd.dst_desc() == desc[op.sum]) {
          takeOver(op.out, op.sum);
        } else {
          place(op.out, pd.dst_desc());
          if (op.sum >= 0) copy(mem[op.sum], mem[op.out]);
        }
        std::unordered_map<int, memory> args{{DNNL_ARG_SRC, mem[x]}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, mem[op.out]}};
        if (op.bias.defined()) args[DNNL_ARG_BIAS] = memory({{oc}, kF32, Tag::x}, eng, op.bias.data_ptr());
        step(dnnl::convolution_forward(pd), std::move(args), pd.scratchpad_desc());
        break;
      }
      case Kind::Linear: {
        if (xd.size() != 2) throw Unsupported("a linear layer's input is not 2-d");
        const int64_t o = op.weightSizes.at(0);
        if (xd[1] != op.weightSizes.at(1)) throw Unsupported("a linear layer's input features do not match its weight");
        const Dims plainW{o, xd[1]};
        memory::desc wAny(plainW, kF32, Tag::any), dst({xd[0], o}, kF32, Tag::nc);
        auto d = op.bias.defined()
                     ? dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_inference, desc[x], wAny, memory::desc({o}, kF32, Tag::x), dst)
                     : dnnl::inner_product_forward::desc(dnnl::prop_kind::forward_inference, desc[x], wAny, dst);
        dnnl::inner_product_forward::primitive_desc pd(d, attr, eng);
        memory weights = packedWeights(op, pd.weights_desc(), plainW, Tag::oi, stream);
        place(op.out, pd.dst_desc());
        std::unordered_map<int, memory> args{{DNNL_ARG_SRC, mem[x]}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, mem[op.out]}};
        if (op.bias.defined()) args[DNNL_ARG_BIAS] = memory({{o}, kF32, Tag::x}, eng, op.bias.data_ptr());
        step(dnnl::inner_product_forward(pd), std::move(args), pd.scratchpad_desc());
        break;
      }
      case Kind::Relu: {
        dnnl::eltwise_forward::primitive_desc pd(
            dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_relu, desc[x], 0.f, 0.f), plainAttr, eng);
        placeOrTakeOver(op, x, at, pd.dst_desc());
        step(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, mem[x]}, {DNNL_ARG_DST, mem[op.out]}}, pd.scratchpad_desc());
        break;
      }
      case Kind::Add: {
        const int y = op.in[1];
        if (dimsOf(y) != xd) throw Unsupported("an add's operands differ in shape");
        dnnl::binary::primitive_desc pd(dnnl::binary::desc(dnnl::algorithm::binary_add, desc[x], desc[y], desc[x]), plainAttr, eng);
        placeOrTakeOver(op, x, at, pd.dst_desc());
        step(dnnl::binary(pd), {{DNNL_ARG_SRC_0, mem[x]}, {DNNL_ARG_SRC_1, mem[y]}, {DNNL_ARG_DST, mem[op.out]}}, pd.scratchpad_desc());
        break;
      }
      case Kind::MaxPool:
      case Kind::AvgPool: {
        if (xd.size() != 4) throw Unsupported("a pooling layer's input is not 4-d");
        Dims kernel = op.kernel, stride = op.stride, padding = op.padding;
        if (op.kind == Kind::AvgPool) {  // adaptive to an output size that divides the input: a plain average pool
          for (int k = 0; k < 2; ++k) {
            if (op.kernel[k] <= 0 || xd[2 + k] % op.kernel[k] != 0) throw Unsupported("adaptive_avg_pool2d to a size that does not divide the input");
          }
          kernel = {xd[2] / op.kernel[0], xd[3] / op.kernel[1]};
          stride = kernel;
          padding = {0, 0};
        }
        Dims out{xd[0], xd[1], (xd[2] + 2 * padding[0] - kernel[0]) / stride[0] + 1, (xd[3] + 2 * padding[1] - kernel[1]) / stride[1] + 1};
        const auto algorithm = op.kind == Kind::MaxPool ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
        dnnl::pooling_forward::primitive_desc pd(
            dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference, algorithm, desc[x], memory::desc(out, kF32, Tag::any), stride, kernel,
                                        padding, padding),
            plainAttr, eng);
        place(op.out, pd.dst_desc());
        step(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, mem[x]}, {DNNL_ARG_DST, mem[op.out]}}, pd.scratchpad_desc());
        break;
      }
      case Kind::Flatten: {
        if (xd.size() != 4) throw Unsupported("flatten's input is not 4-d");
        // Reorder out of the blocked layout into plain NCHW, which is [N, C*H*W] as it lies.
        place(op.out, memory::desc({xd[0], xd[1] * xd[2] * xd[3]}, kF32, Tag::nc));
        memory plain({xd, kF32, Tag::nchw}, eng, DNNL_MEMORY_NONE);
        plan->slotViews[slotOf[op.out]].push_back(plain);
        copy(mem[x], plain);
        break;
      }
      case Kind::Softmax: {
        if (xd.size() != 2) throw Unsupported("softmax's input is not 2-d");
        dnnl::softmax_forward::primitive_desc pd(dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, desc[x], 1), plainAttr, eng);
        placeOrTakeOver(op, x, at, pd.dst_desc());
        step(dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, mem[x]}, {DNNL_ARG_DST, mem[op.out]}}, pd.scratchpad_desc());
        break;
      }
    }
    // Values read here for the last time give their slots back (after the output took its own).
    std::vector<int> read = op.in;
    if (op.sum >= 0) read.push_back(op.sum);
    for (int v : read) {
      if (v == 0 || lastRead[v] != at || slotOf[v] < 0) continue;
      const int slot = slotOf[v];
      slotOf[v] = -1;
      if (--slotUsers[slot] == 0) freeSlots.emplace(plan->slotBytes[slot], slot);
    }
  }

  // The result: copied out of its slot into a plain tensor of the caller's (bound per call).
  const Dims od = dimsOf(outputValue);
  const Tag plainTag = od.size() == 2 ? Tag::nc : od.size() == 4 ? Tag::nchw : Tag::undef;
  if (plainTag == Tag::undef) throw Unsupported("the output must be 2-d or 4-d");
  plan->output = memory({od, kF32, plainTag}, eng, DNNL_MEMORY_NONE);
  plan->outputSizes.assign(od.begin(), od.end());
  copy(mem[outputValue], plan->output);
  return plan;
}

std::shared_ptr<Executor> compile(const std::shared_ptr<torch::jit::Graph>& graph, const at::Tensor& example, std::string* whyNot) {
  try {
    auto executor = std::make_shared<Executor>();
    Lowering(*executor).run(*graph);
    // Building the example's plan checks every shape and that oneDNN takes every primitive.
    executor->release(example.sizes().vec(), executor->acquire(example.sizes().vec()));
    return executor;
  } catch (const Unsupported& e) {
    *whyNot = e.what();
  } catch (const dnnl::error& e) {
    *whyNot = std::string("oneDNN refused a primitive: ") + e.what();
  }
  return nullptr;
}

at::Tensor run(Executor& executor, const at::Tensor& input) {
  if (input.scalar_type() != at::kFloat || !input.device().is_cpu() || input.dim() != 4) {
    throw std::invalid_argument("the oneDNN executor runs 4-d float32 CPU input");
  }
  const at::Tensor x = input.contiguous();
  const std::vector<int64_t> sizes = x.sizes().vec();
  std::unique_ptr<Plan> plan = executor.acquire(sizes);
  // Whatever happens, the plan goes back to the pool: it holds no state between calls.
  struct Return {
    Executor& executor;
    const std::vector<int64_t>& sizes;
    std::unique_ptr<Plan>& plan;
    ~Return() { executor.release(sizes, std::move(plan)); }
  } giveBack{executor, sizes, plan};

  // This call's memory: from the caching allocator, which hands the same blocks back next time.
  std::vector<at::Tensor> slots;
  slots.reserve(plan->slotBytes.size());
  for (size_t s = 0; s < plan->slotBytes.size(); ++s) {
    slots.push_back(at::empty({static_cast<int64_t>(plan->slotBytes[s])}, at::kByte));
    for (memory& view : plan->slotViews[s]) view.set_data_handle(slots.back().data_ptr());
  }
  at::Tensor scratch = at::empty({static_cast<int64_t>(plan->scratchBytes)}, at::kByte);
  for (memory& view : plan->scratchViews) view.set_data_handle(scratch.data_ptr());
  at::Tensor out = at::empty(plan->outputSizes, at::kFloat);
  plan->input.set_data_handle(x.data_ptr());
  plan->output.set_data_handle(out.data_ptr());

  dnnl::stream stream(engine());
  for (auto& [primitive, args] : plan->steps) primitive.execute(stream, args);
  stream.wait();
  return out;
}

#endif  // LTR_HAVE_ONEDNN

}  // namespace ltr::onednn
