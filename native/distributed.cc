// torch.distributed's native half (issue #13): libtorch's own c10d.
//
// Nothing here reimplements a collective: a process group is c10d's TCPStore
// (rendezvous) plus c10d::ProcessGroupGloo (the collectives), both from
// libtorch_cpu.so, and DistributedDataParallel drives c10d::Reducer, the same
// object PyTorch's DDP is built on. That is what makes a TypeScript rank and a
// Python rank members of one group with identical results: the store keys, the
// Gloo rendezvous and the Reducer's bucketing are PyTorch's own code.
//
// Rendezvous follows torch.distributed.init_process_group (1.13) step by step,
// so Python ranks can join: TCPStore on host:port (rank 0 hosts it,
// multi-tenant), PrefixStore("default_pg") for the group, PrefixStore("0")
// under it for Gloo, then the store-based barrier on
// "store_based_barrier_key:1" and the group's sequence number.
//
// Collectives that wait on peers run on a libuv worker (Napi::AsyncWorker,
// like jit.cc's forwardAsync) and resolve a Promise; the *Sync variants block.
// Work::wait() throws c10::Error on a timeout or a dead peer; guard / the
// worker turn that into a JS Error naming the op.
#include <torch/version.h>

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

#if LTR_HAVE_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <thread>
#endif

namespace ltr {

#if LTR_HAVE_GLOO
namespace {

using GroupPtr = c10::intrusive_ptr<c10d::ProcessGroup>;

struct Group {
  c10::intrusive_ptr<c10d::Store> store;  // the "default_pg" prefix store
  GroupPtr pg;
  int rank = 0;
  int size = 0;
  std::chrono::milliseconds timeout{0};
};

// One group's state, shared by the JS handle and every collective in flight
// (a worker keeps the group alive after destroyProcessGroup dropped it).
struct GroupRef {
  std::shared_ptr<Group> group;
};

Napi::Value wrapGroup(Napi::Env env, std::shared_ptr<Group> group) {
  return Napi::External<GroupRef>::New(env, new GroupRef{std::move(group)},
                                       [](Napi::Env, GroupRef* ref) { delete ref; });
}

GroupRef& groupRefArg(const Napi::Value& v) {
  if (!v.IsExternal()) throw ArgTypeError("expected a process group but received " + describe(v));
  return *v.As<Napi::External<GroupRef>>().Data();
}

std::shared_ptr<Group> groupArg(const Napi::Value& v) {
  GroupRef& ref = groupRefArg(v);
  if (!ref.group) throw std::runtime_error("the process group was destroyed (destroyProcessGroup)");
  return ref.group;
}

c10d::ReduceOp reduceOpArg(const Napi::Value& v) {
  const std::string s = stringArg(v, "op");
  if (s == "sum" || s == "avg") return c10d::ReduceOp::SUM;  // avg: Gloo has no AVG; sum then divide
  if (s == "max") return c10d::ReduceOp::MAX;
  if (s == "min") return c10d::ReduceOp::MIN;
  if (s == "product") return c10d::ReduceOp::PRODUCT;
  throw ArgRangeError("op must be 'sum', 'avg', 'max', 'min' or 'product' but received " + quoted(s));
}

// Runs `body` (which may block on peers) on a libuv worker and resolves the
// Promise with `done()`'s value on the JS thread.
class CollectiveWorker : public Napi::AsyncWorker {
 public:
  CollectiveWorker(Napi::Env env, std::string op, std::function<void()> body,
                   std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env, "libtorch-resnet:distributed"),
        op_(std::move(op)),
        body_(std::move(body)),
        done_(std::move(done)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      body_();
    } catch (const c10::Error& e) {
      SetError(cleanTorchMessage(e));
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError("unknown C++ exception");
    }
  }

  void OnOK() override {
    try {
      deferred_.Resolve(done_ ? done_(Env()) : Env().Undefined());
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& error) override {
    deferred_.Reject(Napi::Error::New(Env(), op_ + ": " + error.Message()).Value());
  }

 private:
  std::string op_;
  std::function<void()> body_;
  std::function<Napi::Value(Napi::Env)> done_;
  Napi::Promise::Deferred deferred_;
};

// Either runs `body` now (sync) or queues it (async -> Promise).
Napi::Value runCollective(Napi::Env env, const char* op, bool async, std::function<void()> body,
                          std::function<Napi::Value(Napi::Env)> done = nullptr) {
  if (!async) {
    body();
    return done ? done(env) : env.Undefined();
  }
  auto* worker = new CollectiveWorker(env, op, std::move(body), std::move(done));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

void waitWork(const c10::intrusive_ptr<c10d::Work>& work) {
  work->wait();
}


// Python's store-based barrier after init_process_group (distributed_c10d.py,
// _store_based_barrier): every rank adds 1 to the key, then polls until the
// count reaches the world size.
void storeBasedBarrier(Group& g) {
  const std::string key = "store_based_barrier_key:1";
  g.store->add(key, 1);
  const auto start = std::chrono::steady_clock::now();
  int64_t count = g.store->add(key, 0);
  while (count != g.size) {
    if (count > g.size) {
      throw std::runtime_error("more ranks (" + std::to_string(count) + ") joined than worldSize " +
                               std::to_string(g.size) + ": the ranks disagree on worldSize");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    count = g.store->add(key, 0);
    if (std::chrono::steady_clock::now() - start > g.timeout) {
      throw std::runtime_error("timed out after " + std::to_string(g.timeout.count()) +
                               " ms waiting for all ranks: " + std::to_string(count) + " of " +
                               std::to_string(g.size) + " joined");
    }
  }
}

// What every rank publishes so a mismatch is reported as such instead of as a
// Gloo rendezvous timeout. The key sits outside Python's names.
void checkWorldSize(c10d::Store& base, int rank, int size, std::chrono::milliseconds timeout) {
  const std::string key = "ltr/world_size";
  if (rank == 0) {
    const std::string s = std::to_string(size);
    base.set(key, std::vector<uint8_t>(s.begin(), s.end()));
    return;
  }
  base.wait({key}, timeout);
  const std::vector<uint8_t> v = base.get(key);
  const std::string theirs(v.begin(), v.end());
  if (theirs != std::to_string(size)) {
    const std::string s = "mismatch";
    base.set("ltr/world_size_mismatch", std::vector<uint8_t>(s.begin(), s.end()));
    throw ArgRangeError("worldSize mismatch: this rank (" + std::to_string(rank) + ") has worldSize " +
                        std::to_string(size) + " but rank 0 has " + theirs);
  }
}

std::shared_ptr<Group> connectGroup(const c10::intrusive_ptr<c10d::Store>& tcp, int rank, int size,
                                    std::chrono::milliseconds timeout) {
  auto g = std::make_shared<Group>();
  g->rank = rank;
  g->size = size;
  g->timeout = timeout;
  g->store = c10::make_intrusive<c10d::PrefixStore>("default_pg", tcp);
  auto pgStore = c10::make_intrusive<c10d::PrefixStore>("0", g->store);

  // As torch's Python binding builds it: the default device (or the
  // GLOO_SOCKET_IFNAME interfaces), two threads per device.
  auto options = c10d::ProcessGroupGloo::Options::create();
  if (const char* ifnames = std::getenv("GLOO_SOCKET_IFNAME")) {
    std::string all(ifnames);
    size_t start = 0;
    while (start <= all.size()) {
      size_t comma = all.find(',', start);
      if (comma == std::string::npos) comma = all.size();
      if (comma > start) options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(all.substr(start, comma - start)));
      start = comma + 1;
    }
  }
  if (options->devices.empty()) options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  options->timeout = timeout;
  options->threads = static_cast<int>(options->devices.size() * 2);
#if TORCH_VERSION_MAJOR >= 2
  auto backend = c10::make_intrusive<c10d::ProcessGroupGloo>(pgStore, rank, size, options);
  auto pg = c10::make_intrusive<c10d::ProcessGroup>(pgStore, rank, size);
  backend->setGroupUid("0");
  pg->setBackend(c10::DeviceType::CPU, c10d::ProcessGroup::BackendType::GLOO, backend);
  pg->setDefaultBackend(c10d::ProcessGroup::BackendType::GLOO);
  g->pg = pg;
#else
  g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(pgStore, rank, size, options);
#endif
  storeBasedBarrier(*g);
#if TORCH_VERSION_MAJOR >= 2
  backend->setSequenceNumberForGroup();
#else
  g->pg->setSequenceNumberForGroup();
#endif
  return g;
}

std::shared_ptr<Group> connect(const std::string& host, int port, int rank, int size, int64_t timeoutMs,
                               const std::string& agentPrefix) {
  const std::chrono::milliseconds timeout(timeoutMs);
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<std::uint16_t>(port);
  // Under torchrun's agent store (TORCHELASTIC_USE_AGENT_STORE) the agent
  // hosts the store and every rank is a client under its attempt prefix.
  const bool agentStore = !agentPrefix.empty();
  opts.isServer = rank == 0 && !agentStore;
  opts.numWorkers = size;
  opts.waitWorkers = false;  // Python's rendezvous: the barrier below waits instead
  opts.timeout = timeout;
  opts.multiTenant = true;
  c10::intrusive_ptr<c10d::Store> tcp = c10::make_intrusive<c10d::TCPStore>(host, opts);
  if (agentStore) tcp = c10::make_intrusive<c10d::PrefixStore>(agentPrefix, tcp);
  checkWorldSize(*tcp, rank, size, timeout);

  try {
    return connectGroup(tcp, rank, size, timeout);
  } catch (const std::exception& e) {
    // A peer that found a different worldSize left a note (checkWorldSize).
    bool mismatch = false;
    try {
      mismatch = tcp->check({"ltr/world_size_mismatch"});
    } catch (...) {
    }
    const std::string what = [&] {
      if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return cleanTorchMessage(*c);
      return std::string(e.what());
    }();
    if (mismatch) {
      throw ArgRangeError("worldSize mismatch: another rank was started with a worldSize other than this rank's " +
                          std::to_string(size) + " (" + what + ")");
    }
    throw std::runtime_error(what + " (while waiting for " + std::to_string(size) + " ranks at " + host + ":" +
                             std::to_string(port) + "; are all ranks started, with the same worldSize?)");
  }
}

// distInit(host, port, rank, worldSize, timeoutMs, agentPrefix) -> Promise<group>
// agentPrefix: '' normally; under torchrun's agent store "/worker/attempt_N".
Napi::Value DistInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, "initProcessGroup", [&]() -> Napi::Value {
    const std::string host = stringArg(arg(info, 0), "host");
    checkRange(!host.empty(), "host must not be empty");
    const int port = static_cast<int>(intArgIn(arg(info, 1), "port", 0, 65535));
    const int size = static_cast<int>(intArgIn(arg(info, 3), "worldSize", 1, 1 << 20));
    const int64_t rank = intArg(arg(info, 2), "rank");
    checkRange(rank >= 0 && rank < size, "rank must be in [0, worldSize) = [0, " + std::to_string(size) +
                                             ") but received " + numberString(static_cast<double>(rank)));
    const int64_t timeoutMs = intArgIn(arg(info, 4), "timeoutMs", 1, int64_t(1) << 40);
    const std::string agentPrefix = isNullish(arg(info, 5)) ? std::string() : stringArg(arg(info, 5), "agentPrefix");
    auto result = std::make_shared<std::shared_ptr<Group>>();
    return runCollective(
        env, "initProcessGroup", true,
        [=] { *result = connect(host, port, static_cast<int>(rank), size, timeoutMs, agentPrefix); },
        [=](Napi::Env e) -> Napi::Value {
          Napi::Object out = Napi::Object::New(e);
          out.Set("group", wrapGroup(e, *result));
          out.Set("rank", (*result)->rank);
          out.Set("worldSize", (*result)->size);
          return out;
        });
  });
}

// distDestroy(group): drops the handle's reference; Gloo's threads stop when
// the last collective in flight has finished with it.
Napi::Value DistDestroy(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "destroyProcessGroup", [&]() -> Napi::Value {
    groupRefArg(arg(info, 0)).group.reset();
    return info.Env().Undefined();
  });
}

// distAllReduce(group, tensor, op, async): in place, like dist.all_reduce.
Napi::Value DistAllReduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, "allReduce", [&]() -> Napi::Value {
    auto g = groupArg(arg(info, 0));
    at::Tensor t = tensorArg(arg(info, 1), "tensor");
    const std::string opName = stringArg(arg(info, 2), "op");
    const c10d::ReduceOp op = reduceOpArg(arg(info, 2));
    const bool async = boolArg(arg(info, 3), "async");
    checkRange(t.is_contiguous(), "tensor must be contiguous");
    return runCollective(env, "allReduce", async, [g, t, op, opName]() mutable {
      std::vector<at::Tensor> v{t};
      c10d::AllreduceOptions opts;
      opts.reduceOp = op;
      waitWork(g->pg->allreduce(v, opts));
      if (opName == "avg") {
        c10::NoGradGuard noGrad;
        t.div_(g->size);
      }
    });
  });
}

// distBroadcast(group, tensor, src, async): in place.
Napi::Value DistBroadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, "broadcast", [&]() -> Napi::Value {
    auto g = groupArg(arg(info, 0));
    at::Tensor t = tensorArg(arg(info, 1), "tensor");
    const int64_t src = intArg(arg(info, 2), "src");
    checkRange(src >= 0 && src < g->size, "src must be in [0, " + std::to_string(g->size) + ") but received " +
                                               numberString(static_cast<double>(src)));
    const bool async = boolArg(arg(info, 3), "async");
    checkRange(t.is_contiguous(), "tensor must be contiguous");
    return runCollective(env, "broadcast", async, [g, t, src] {
      std::vector<at::Tensor> v{t};
      c10d::BroadcastOptions opts;
      opts.rootRank = src;
      waitWork(g->pg->broadcast(v, opts));
    });
  });
}

// distAllGather(group, tensor, async) -> Tensor[] (one per rank)
Napi::Value DistAllGather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, "allGather", [&]() -> Napi::Value {
    auto g = groupArg(arg(info, 0));
    at::Tensor t = tensorArg(arg(info, 1), "tensor");
    const bool async = boolArg(arg(info, 2), "async");
    checkRange(t.is_contiguous(), "tensor must be contiguous");
    auto outs = std::make_shared<std::vector<at::Tensor>>();
    for (int i = 0; i < g->size; ++i) outs->push_back(at::empty_like(t));
    return runCollective(
        env, "allGather", async,
        [g, t, outs] {
          std::vector<std::vector<at::Tensor>> out{*outs};
          std::vector<at::Tensor> in{t};
          waitWork(g->pg->allgather(out, in));
        },
        [outs](Napi::Env e) -> Napi::Value {
          Napi::Array a = Napi::Array::New(e, outs->size());
          for (size_t i = 0; i < outs->size(); ++i) a.Set(static_cast<uint32_t>(i), Tensor::Wrap(e, (*outs)[i]));
          return a;
        });
  });
}

// distBarrier(group, async)
Napi::Value DistBarrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, "barrier", [&]() -> Napi::Value {
    auto g = groupArg(arg(info, 0));
    const bool async = boolArg(arg(info, 1), "async");
    return runCollective(env, "barrier", async, [g] { waitWork(g->pg->barrier()); });
  });
}

// distBroadcastCoalesced(group, tensors, bufferBytes, src): DDP's
// _sync_module_states / _sync_buffers (c10d::broadcast_coalesced). Sync.
Napi::Value DistBroadcastCoalesced(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "broadcastCoalesced", [&]() -> Napi::Value {
    auto g = groupArg(arg(info, 0));
    std::vector<at::Tensor> tensors = tensorListArg(arg(info, 1), "tensors");
    const int64_t bytes = intArgIn(arg(info, 2), "bufferBytes", 1, int64_t(1) << 50);
    const int64_t src = intArg(arg(info, 3), "src");
    checkRange(src >= 0 && src < g->size, "src out of range");
    if (tensors.empty()) return info.Env().Undefined();
    c10::NoGradGuard noGrad;
    std::vector<at::Tensor> detached;
    for (const auto& t : tensors) detached.push_back(t.detach());
    c10d::broadcast_coalesced(g->pg, detached, static_cast<size_t>(bytes), static_cast<int>(src));
    return info.Env().Undefined();
  });
}

// distVerifyParams(group, params): DDP's _verify_param_shape_across_processes.
Napi::Value DistVerifyParams(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "DistributedDataParallel", [&]() -> Napi::Value {
    auto g = groupArg(arg(info, 0));
    std::vector<at::Tensor> params = tensorListArg(arg(info, 1), "params");
    c10d::verify_params_across_processes(g->pg, params, c10::nullopt);
    return info.Env().Undefined();
  });
}

// ---------------------------------------------------------------------------
// DDP's Reducer.

struct ReducerRef {
  std::shared_ptr<Group> group;  // outlives the reducer
  std::unique_ptr<c10d::Reducer> reducer;
};

ReducerRef& reducerArg(const Napi::Value& v) {
  if (!v.IsExternal()) throw ArgTypeError("expected a reducer but received " + describe(v));
  ReducerRef& r = *v.As<Napi::External<ReducerRef>>().Data();
  if (!r.reducer) throw std::runtime_error("the reducer was destroyed");
  return r;
}

// ddpReducerNew(group, params, names, bucketCapBytes, findUnusedParameters, gradientAsBucketView)
// Built as DistributedDataParallel._ddp_init_helper builds it (1.13).
Napi::Value DdpReducerNew(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, "DistributedDataParallel", [&]() -> Napi::Value {
    auto g = groupArg(arg(info, 0));
    std::vector<at::Tensor> params = tensorListArg(arg(info, 1), "params");
    checkRange(!params.empty(), "the module has no parameters that require grad");
    for (const auto& p : params) checkRange(p.requires_grad(), "every parameter given must require grad");
    Napi::Value namesValue = arg(info, 2);
    if (!namesValue.IsArray()) throw ArgTypeError("expected Array of strings for names but received " + describe(namesValue));
    Napi::Array namesArray = namesValue.As<Napi::Array>();
    checkRange(namesArray.Length() == params.size(), "names and params must have the same length");
    std::unordered_map<size_t, std::string> names;
    for (uint32_t i = 0; i < namesArray.Length(); ++i) names[i] = stringArg(namesArray.Get(i), "names");
    const int64_t cap = intArgIn(arg(info, 3), "bucketCapBytes", 1, int64_t(1) << 50);
    const bool findUnused = boolArg(arg(info, 4), "findUnusedParameters");
    const bool asView = boolArg(arg(info, 5), "gradientAsBucketView");

    std::vector<bool> sparse(params.size(), false);
    // First iteration: one bucket unless unused parameters are searched for
    // (the Reducer rebuilds buckets in backward order after iteration 1).
    std::vector<size_t> limits;
    if (!findUnused) {
      limits = {static_cast<size_t>(std::numeric_limits<int64_t>::max())};
    } else {
      limits = {static_cast<size_t>(c10d::kDefaultFirstBucketBytes), static_cast<size_t>(cap)};
    }
#if TORCH_VERSION_MAJOR >= 2
    auto assignment = c10d::compute_bucket_assignment_by_size(params, limits, sparse);
    std::vector<std::vector<size_t>> buckets(std::get<0>(assignment).rbegin(), std::get<0>(assignment).rend());
    auto r = std::make_unique<c10d::Reducer>(params, buckets, g->pg, sparse, cap, findUnused, asView, names,
                                             c10d::kDefaultFirstBucketBytes, /*skip_all_reduce_unused_params=*/false,
                                             /*use_python_reducer=*/false, std::vector<int64_t>{});
#else
    auto assignment = c10d::compute_bucket_assignment_by_size(params, limits, sparse);
    std::vector<std::vector<size_t>> buckets(std::get<0>(assignment).rbegin(), std::get<0>(assignment).rend());
    std::vector<size_t> perBucket(std::get<1>(assignment).rbegin(), std::get<1>(assignment).rend());
    auto r = std::make_unique<c10d::Reducer>(params, buckets, perBucket, g->pg, sparse, cap, findUnused, asView,
                                             names, c10d::kDefaultFirstBucketBytes);
#endif
    auto* ref = new ReducerRef{g, std::move(r)};
    return Napi::External<ReducerRef>::New(env, ref, [](Napi::Env, ReducerRef* p) { delete p; });
  });
}

// ddpReducerPrepareForward(reducer) -> rebuilt: boolean. DDP.forward's
// prologue: prepare_for_forward, then _rebuild_buckets (a collective after
// iteration 1).
Napi::Value DdpReducerPrepareForward(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "DistributedDataParallel", [&]() -> Napi::Value {
    ReducerRef& r = reducerArg(arg(info, 0));
    const bool sync = boolArg(arg(info, 1), "requireBackwardGradSync");
    if (sync) r.reducer->prepare_for_forward();
    const bool rebuilt = r.reducer->rebuild_buckets();
    return Napi::Boolean::New(info.Env(), rebuilt);
  });
}

// ddpReducerPrepareBackward(reducer, outputs: Tensor[]): outputs are only read
// with findUnusedParameters (the graph search for unused parameters).
Napi::Value DdpReducerPrepareBackward(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "DistributedDataParallel", [&]() -> Napi::Value {
    ReducerRef& r = reducerArg(arg(info, 0));
    std::vector<at::Tensor> outputs = tensorListArg(arg(info, 1), "outputs");
    r.reducer->prepare_for_backward(outputs);
    return info.Env().Undefined();
  });
}

// ddpReducerBuckets(reducer) -> number[]: how many parameters each bucket
// holds, in reduction order (one bucket before the rebuild after iteration 1).
Napi::Value DdpReducerBuckets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guard(env, "DistributedDataParallel", [&]() -> Napi::Value {
    ReducerRef& r = reducerArg(arg(info, 0));
    std::vector<c10d::GradBucket> buckets = r.reducer->get_grad_buckets(true);
    Napi::Array out = Napi::Array::New(env, buckets.size());
    for (size_t b = 0; b < buckets.size(); ++b) {
      out.Set(static_cast<uint32_t>(b), Napi::Number::New(env, static_cast<double>(buckets[b].getParameters().size())));
    }
    return out;
  });
}

Napi::Value DdpReducerDestroy(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "DistributedDataParallel", [&]() -> Napi::Value {
    Napi::Value v = arg(info, 0);
    if (!v.IsExternal()) throw ArgTypeError("expected a reducer but received " + describe(v));
    ReducerRef& r = *v.As<Napi::External<ReducerRef>>().Data();
    r.reducer.reset();
    r.group.reset();
    return info.Env().Undefined();
  });
}

}  // namespace

void InitDistributed(Napi::Env env, Napi::Object exports) {
  exports.Set("distAvailable", Napi::Boolean::New(env, true));
  exportFunction(exports, "distInit", DistInit);
  exportFunction(exports, "distDestroy", DistDestroy);
  exportFunction(exports, "distAllReduce", DistAllReduce);
  exportFunction(exports, "distBroadcast", DistBroadcast);
  exportFunction(exports, "distAllGather", DistAllGather);
  exportFunction(exports, "distBarrier", DistBarrier);
  exportFunction(exports, "distBroadcastCoalesced", DistBroadcastCoalesced);
  exportFunction(exports, "distVerifyParams", DistVerifyParams);
  exportFunction(exports, "ddpReducerNew", DdpReducerNew);
  exportFunction(exports, "ddpReducerPrepareForward", DdpReducerPrepareForward);
  exportFunction(exports, "ddpReducerPrepareBackward", DdpReducerPrepareBackward);
  exportFunction(exports, "ddpReducerBuckets", DdpReducerBuckets);
  exportFunction(exports, "ddpReducerDestroy", DdpReducerDestroy);
}

#else  // built without Gloo's headers: every entry point says so

namespace {
Napi::Value NoGloo(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "initProcessGroup", []() -> Napi::Value {
    throw std::runtime_error(
        "this build of libtorch-resnet has no Gloo backend: Gloo's headers were missing at build time "
        "(apt-get install libgloo-dev, or a libtorch that ships include/gloo, then rebuild)");
  });
}
}  // namespace

void InitDistributed(Napi::Env env, Napi::Object exports) {
  exports.Set("distAvailable", Napi::Boolean::New(env, false));
  for (const char* name : {"distInit", "distDestroy", "distAllReduce", "distBroadcast", "distAllGather", "distBarrier",
                           "distBroadcastCoalesced", "distVerifyParams", "ddpReducerNew", "ddpReducerPrepareForward",
                           "ddpReducerPrepareBackward", "ddpReducerBuckets", "ddpReducerDestroy"}) {
    exportFunction(exports, name, NoGloo);
  }
}

#endif

}  // namespace ltr
