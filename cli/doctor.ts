// `libtorch-resnet doctor`: what loads, from where, on which libtorch, with
// which CUDA, threads and BLAS, and a verdict with a fix for every problem.
// It imports the addon only inside a try, so it works on a broken install.

import { existsSync, readdirSync, readFileSync } from 'node:fs';

import { listPrebuilds, packageRoot, PLATFORM, type Resolution, resolveBinary } from '../lib/libtorch.js';
import type { Output } from './output.js';

/** Libraries a dlopen error may name, and where they come from. */
const PROVIDERS: [RegExp, string][] = [
  [/^libtorch(_cpu|_cuda|_global_deps)?\.so\.1\.13/, 'Debian: apt-get install libtorch1.13 (libtorch-dev to build from source)'],
  [/^libc10(_cuda)?\.so\.1\.13/, 'Debian: apt-get install libtorch1.13'],
  [/^lib(torch|c10)/, 'the libtorch the binary was built for: pip install torch==<version>, or LIBTORCH=<folder>'],
  [/^libgomp\.so/, 'Debian: apt-get install libgomp1'],
  [/^lib(open)?blas\.so/, 'Debian: apt-get install libopenblas0-openmp'],
  [/^libcudart\.so/, 'pip: the nvidia-cuda-runtime wheel torch depends on (pip install torch pulls it in)'],
  [/^libcudnn/, 'pip: the nvidia-cudnn wheel torch depends on'],
  [/^lib(cublas|cublasLt)\.so/, 'pip: the nvidia-cublas wheel torch depends on'],
  [/^lib(nccl|nvshmem|cusparse|cufft|curand|cusolver|nvrtc|nvJitLink|cupti|cufile)/, 'pip: the matching nvidia-* wheel torch depends on'],
  [/^lib(cuda|nvidia-ml)\.so/, 'the NVIDIA driver (libcuda.so comes with it, not with torch)'],
  [/^libstdc\+\+|GLIBCXX/, 'a newer libstdc++ (Debian: apt-get install libstdc++6), or a libtorch built for this system'],
];

function providerOf(message: string): string | null {
  const lib = /([\w.+-]+\.so[\w.]*): cannot open shared object file/.exec(message)?.[1] ?? (/GLIBCXX_[\d.]+/.test(message) ? 'GLIBCXX' : null);
  if (lib === null) return null;
  const match = PROVIDERS.find(([pattern]) => pattern.test(lib));
  return `${lib} is missing${match ? `: ${match[1]}` : ''}`;
}

/** Shared libraries mapped into this process whose names match `pattern` (BLAS, oneDNN, OpenMP, CUDA). */
function mappedLibraries(pattern: RegExp): string[] {
  try {
    const paths = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((l) => l.slice(l.indexOf('/')))
      .filter((p) => p.startsWith('/') && pattern.test(p));
    return [...new Set(paths)];
  } catch {
    return [];
  }
}

function gpuVisible(): boolean {
  try {
    return readdirSync('/dev').some((n) => /^nvidia\d+$/.test(n));
  } catch {
    return false;
  }
}

interface Report {
  platform: string;
  node: string;
  package: string;
  searched: string[];
  libtorch: Resolution['libtorch'];
  binary: { kind: string; path: string; builtFor: string; flavour: string } | null;
  prebuilds: string[];
  loaded: boolean;
  loadError?: string;
  versions?: Record<string, unknown>;
  threads?: number;
  blas: string[];
  gpuDevicesVisible: boolean;
  problems: { problem: string; fix: string }[];
}

export async function doctor(args: string[], io: Output): Promise<number> {
  const json = args.includes('--json');
  const resolution = resolveBinary();
  const report: Report = {
    platform: PLATFORM,
    node: process.version,
    package: packageRoot(),
    searched: resolution.searched,
    libtorch: resolution.libtorch,
    binary: resolution.binary && {
      kind: resolution.binary.kind,
      path: resolution.binary.path,
      builtFor: resolution.binary.manifest.libtorch,
      flavour: resolution.binary.manifest.flavour,
    },
    prebuilds: listPrebuilds().map((p) => p.tag),
    loaded: false,
    blas: [],
    gpuDevicesVisible: gpuVisible(),
    problems: [],
  };
  const problem = (p: string, fix: string) => report.problems.push({ problem: p, fix });

  if (resolution.binary === null) {
    problem(resolution.problem ?? 'no binary', resolution.fix ?? '');
  } else {
    try {
      const torch = await import('../lib/index.js');
      const { native } = await import('../lib/native.js');
      const v = { ...native.versions(), prebuilt: torch.versions().prebuilt, fastBackends: torch.versions().fastBackends };
      report.versions = { ...v, parallel: undefined };
      report.threads = torch.getNumThreads();
      if (torch.ones([2]).sum().item() !== 2) problem('a test op gave a wrong result', 'report this as a bug');
      report.loaded = true;
      report.blas = mappedLibraries(/(blas|lapack|mkl|dnnl|gomp|iomp|cudart|cudnn)[^/]*\.so/);
      if (report.blas.some((p) => /\/blas\/libblas\.so/.test(p))) {
        problem('libtorch uses the reference BLAS (matmul and linear ~30x slower)', 'apt-get install libopenblas0-openmp');
      }
      if (report.gpuDevicesVisible && !v.builtWithCuda) {
        problem(
          'an NVIDIA GPU is visible but the loaded binary is CPU-only',
          resolution.libtorch?.hasCuda ? 'unset LTR_FLAVOUR=cpu, or build with `libtorch-resnet build --flavour cuda`' : 'use a CUDA libtorch: pip install torch (CUDA wheel) and LIBTORCH_USE_PYTORCH=1',
        );
      }
      if (v.builtWithCuda && report.gpuDevicesVisible && !v.cudaAvailable) {
        problem('built with CUDA and a GPU is visible, but CUDA is not available', 'check the NVIDIA driver (nvidia-smi) and that it supports CUDA ' + (v.cuda ?? ''));
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      report.loadError = message;
      problem(`the addon does not load: ${message.split('\n')[0]}`, providerOf(message) ?? 'run `libtorch-resnet build` to build a binary for this libtorch');
    }
  }
  if (resolution.binary?.kind === 'prebuilt' && !existsSync(resolution.binary.path)) problem(`${resolution.binary.path} is missing`, 'reinstall the package');

  if (json) {
    io.out(JSON.stringify(report, null, 2));
    return report.problems.length === 0 ? 0 : 1;
  }
  const lt = report.libtorch;
  const lines = [
    `libtorch-resnet doctor (${report.platform}, node ${report.node})`,
    `  package:   ${report.package}`,
    `  searched:  ${report.searched.join('\n             ')}`,
    `  libtorch:  ${lt ? `${lt.fullVersion} in ${lt.libDir} (found via ${lt.via}${lt.python ? `: ${lt.python}` : ''}${lt.hasCuda ? ', has CUDA libraries' : ''})` : 'none'}`,
    `  binary:    ${report.binary ? `${report.binary.kind} ${report.binary.path} (built for libtorch ${report.binary.builtFor}, ${report.binary.flavour})` : 'none'}`,
    `  prebuilds: ${report.prebuilds.join(', ') || 'none'} (${report.platform})`,
    `  loads:     ${report.loaded ? 'yes' : 'NO'}`,
  ];
  if (report.versions) {
    const v = report.versions;
    lines.push(
      `  CUDA:      built with CUDA: ${v.builtWithCuda ? 'yes' : 'no'}; CUDA available: ${v.cudaAvailable ? 'yes' : 'no'}; GPU devices visible: ${report.gpuDevicesVisible ? 'yes' : 'no'}; CUDA runtime ${v.cuda ?? '-'}; cuDNN ${v.cudnn ?? '-'}`,
      `  threads:   ${report.threads} intra-op`,
      `  libraries: ${report.blas.join('\n             ') || 'none mapped'}`,
      `             MKL ${v.mkl ? 'yes' : 'no'}, oneDNN (mkldnn) ${v.mkldnn ? 'yes' : 'no'}, OpenMP ${v.openmp ? 'yes' : 'no'}`,
      `  fast mode: backends ${(v.fastBackends as string[]).join(', ')}${(v.fastBackends as string[]).includes('onednn') ? '' : " (no oneDNN executor: it needs a libtorch linked with the system's libdnnl.so)"}`,
    );
  }
  lines.push(report.problems.length === 0 ? 'verdict: OK' : `verdict: ${report.problems.length} problem${report.problems.length > 1 ? 's' : ''}`);
  for (const p of report.problems) lines.push(`  - ${p.problem}\n    fix: ${p.fix}`);
  for (const line of lines) io.out(line);
  return report.problems.length === 0 ? 0 : 1;
}
