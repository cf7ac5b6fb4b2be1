// The CPUs this process may run on (its affinity mask): what setNumThreads caps
// the thread count by (runtime.cc) and what the OpenMP wait monitor samples the
// load of (openmp_wait.cc, where it is defined).
#pragma once

#include <vector>

namespace ltr {

// A mask indexed by CPU number; empty when the mask cannot be read.
std::vector<bool> allowedCpus();

}  // namespace ltr
