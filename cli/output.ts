// What every subcommand writes to, and the usage texts main.ts needs before
// (and without) loading the addon: `doctor` and `build` must work exactly
// when the addon cannot load.

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const INSPECT_USAGE = 'usage: libtorch-resnet inspect FILE [--json]\n  FILE: .pth / .pt (torch.save), .safetensors or .npy';

export const DOCTOR_USAGE = `usage: libtorch-resnet doctor [--json]
  Reports which binary loads (prebuilt or source) and from where, the libtorch
  version and path and how it was found, CUDA (built with / available / devices,
  cuDNN), threads and the BLAS / oneDNN / MKL in use, then a verdict with the fix
  for each problem. Exit status 0 when the addon loads and works, 1 otherwise.`;

export const BUILD_USAGE = `usage: libtorch-resnet build [--flavour cpu|cuda|auto]
  Builds the addon from source (CMake) against the libtorch found the way the
  loader finds it (LIBTORCH, LIBTORCH_USE_PYTORCH / LTR_PYTHON, the system's).
  Needs cmake >= 3.19, a C++17 compiler, make or ninja, and libtorch's headers.
  --flavour cuda links libtorch_cuda (default auto: when the libtorch has it).`;
