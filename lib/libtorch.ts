// Finding libtorch and the binary built for it, without loading either.
//
// libtorch has no stable ABI, so every binary of this addon is tied to one
// libtorch version and flavour (CPU, or CUDA-linked). At load time we
//   1. find the libtorch to use, in this order:
//        LIBTORCH=/path                 a libtorch folder (zip, or a pip `torch` folder)
//        LIBTORCH_USE_PYTORCH=1         the `torch` package of the active Python
//        the system's                   Debian's libtorch (/usr/lib/<triplet>)
//        the active Python's `torch`    when there is no system libtorch
//      ("the active Python" is LTR_PYTHON, else `python3` on PATH);
//   2. pick the binary: a source build (build/Release, made by `npm run setup`
//      or the install step) uses the libtorch it was built against; otherwise
//      the prebuilt binary matching the libtorch found
//      (prebuilds/<platform>-<arch>/torch-<version>-<cpu|cuda>/);
//   3. for a prebuilt binary, preload that libtorch's libraries (a tiny addon,
//      native/preload) so no LD_LIBRARY_PATH is needed.
// `libtorch-resnet doctor` prints every step of this.
//
// This module must not load the addon: the install step and `doctor` use it
// exactly when loading may fail.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Flavour = 'cpu' | 'cuda';

export interface Libtorch {
  /** The folder given or found: a libtorch root, a pip `torch` folder, or /usr. */
  root: string;
  /** The folder holding libtorch_cpu.so. */
  libDir: string;
  /** major.minor.patch: what binaries are matched on. */
  version: string;
  /** As the libtorch reports it, e.g. '2.15.0+cu132'. */
  fullVersion: string;
  /** How it was found ('build': the one a source build was linked against). */
  via: 'LIBTORCH' | 'python' | 'system' | 'build';
  /** The Python interpreter asked, when via is 'python'. */
  python?: string;
  /** libtorch_cuda.so is there: a CUDA-linked binary can be used. */
  hasCuda: boolean;
}

/** What a binary was built against (CMakeLists.txt writes it next to the binary). */
export interface Manifest {
  libtorch: string;
  flavour: Flavour;
  cxx11abi: number;
  libDir: string;
  napi: number;
  addon: string;
}

export interface Binary {
  path: string;
  kind: 'source' | 'prebuilt';
  manifest: Manifest;
  /** Libraries to dlopen (RTLD_GLOBAL) before the binary. */
  preload: string[];
  /** The preloader addon, when preload is not empty. */
  preloader?: string;
}

export interface Resolution {
  libtorch: Libtorch | null;
  /** Each place looked at, with what was found there: for error messages and doctor. */
  searched: string[];
  binary: Binary | null;
  /** Why no binary was picked (when binary is null). */
  problem?: string;
  /** What the user can do about it. */
  fix?: string;
}

export const ADDON_FILE = 'libtorch_resnet.node';
export const PRELOAD_FILE = 'ltr_preload.node';
export const PLATFORM = `${process.platform}-${process.arch}`;

let rootCache: string | undefined;

/** This package's folder (lib/ under tests, dist/lib/ compiled: walk up to our package.json). */
export function packageRoot(): string {
  if (rootCache !== undefined) return rootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if (JSON.parse(readFileSync(candidate, 'utf8')).name === 'libtorch-resnet') return (rootCache = dir);
      } catch {
        // not ours, keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`libtorch-resnet: cannot find the package root (no package.json named libtorch-resnet above ${fileURLToPath(import.meta.url)})`);
    dir = parent;
  }
}

const SEMVER = /^(\d+)\.(\d+)\.(\d+)/;

function baseVersion(full: string): string | null {
  const m = SEMVER.exec(full.trim());
  return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
}

/** The version of a libtorch folder: a zip's build-version, a pip package's version.py, else the header. */
function folderVersion(root: string): string | null {
  const buildVersion = join(root, 'build-version');
  if (existsSync(buildVersion)) return readFileSync(buildVersion, 'utf8').trim();
  const versionPy = join(root, 'version.py');
  if (existsSync(versionPy)) {
    const m = /^__version__\s*=\s*['"]([^'"]+)['"]/m.exec(readFileSync(versionPy, 'utf8'));
    if (m) return m[1];
  }
  // 2.x keeps the numbers in torch/headeronly/version.h, 1.13 in the C++ API's version.h.
  for (const header of [join(root, 'include', 'torch', 'headeronly', 'version.h'), join(root, 'include', 'torch', 'csrc', 'api', 'include', 'torch', 'version.h')]) {
    if (!existsSync(header)) continue;
    const text = readFileSync(header, 'utf8');
    const part = (name: string) => new RegExp(`define TORCH_VERSION_${name} (\\d+)`).exec(text)?.[1];
    const [major, minor, patch] = ['MAJOR', 'MINOR', 'PATCH'].map(part);
    if (major !== undefined && minor !== undefined && patch !== undefined) return `${major}.${minor}.${patch}`;
  }
  return null;
}

/** A libtorch folder (root with lib/libtorch_cpu.so), or the reason it is not one. */
function libtorchAt(root: string, via: 'LIBTORCH' | 'python', python?: string): Libtorch | string {
  const libDir = join(root, 'lib');
  if (!existsSync(join(libDir, 'libtorch_cpu.so'))) return `no lib/libtorch_cpu.so in ${root}`;
  const fullVersion = folderVersion(root);
  const version = fullVersion === null ? null : baseVersion(fullVersion);
  if (fullVersion === null || version === null) return `cannot tell the libtorch version of ${root} (no build-version, version.py or torch/version.h)`;
  return { root, libDir, version, fullVersion, via, python, hasCuda: existsSync(join(libDir, 'libtorch_cuda.so')) };
}

const MULTIARCH: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu' };

/** Debian's libtorch: /usr/lib/<triplet>/libtorch_cpu.so.<major>.<minor>.<patch> (the runtime package, headers or not). */
function systemLibtorch(): Libtorch | string {
  const dirs = [MULTIARCH[process.arch] ? `/usr/lib/${MULTIARCH[process.arch]}` : null, '/usr/lib64', '/usr/lib', '/usr/local/lib'].filter((d): d is string => d !== null);
  for (const libDir of dirs) {
    let names: string[];
    try {
      names = readdirSync(libDir);
    } catch {
      continue;
    }
    const versioned = names.map((n) => /^libtorch_cpu\.so\.(\d+\.\d+\.\d+)$/.exec(n)).find((m) => m !== null);
    if (versioned) {
      return { root: dirname(libDir), libDir, version: versioned[1], fullVersion: versioned[1], via: 'system', hasCuda: names.some((n) => n.startsWith('libtorch_cuda.so')) };
    }
  }
  return `no libtorch_cpu.so.X.Y.Z in ${dirs.join(', ')}`;
}

/** The `torch` package of a Python, found without importing it (which takes seconds). */
function pythonLibtorch(python: string): Libtorch | string {
  let dir: string;
  try {
    dir = execFileSync(python, ['-c', "import importlib.util as u; s = u.find_spec('torch'); print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')"], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
  } catch (error) {
    return `${python}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'failed to run'}`;
  }
  if (dir === '') return `${python} has no torch package`;
  return libtorchAt(dir, 'python', python);
}

/** Finds the libtorch to use, in the documented order; `searched` says what each step saw. */
export function findLibtorch(env: NodeJS.ProcessEnv = process.env): { libtorch: Libtorch | null; searched: string[] } {
  const searched: string[] = [];
  const python = env.LTR_PYTHON || 'python3';
  const attempt = (label: string, result: Libtorch | string): Libtorch | null => {
    if (typeof result === 'string') {
      searched.push(`${label}: ${result}`);
      return null;
    }
    searched.push(`${label}: libtorch ${result.fullVersion} in ${result.libDir}`);
    return result;
  };
  if (env.LIBTORCH) {
    // An explicit folder is final: falling back to another libtorch would hide the mistake.
    return { libtorch: attempt(`LIBTORCH=${env.LIBTORCH}`, libtorchAt(env.LIBTORCH, 'LIBTORCH')), searched };
  }
  if (env.LIBTORCH_USE_PYTORCH === '1') {
    return { libtorch: attempt(`LIBTORCH_USE_PYTORCH=1 (${python})`, pythonLibtorch(python)), searched };
  }
  const system = attempt('system', systemLibtorch());
  if (system) return { libtorch: system, searched };
  return { libtorch: attempt(`python (${python})`, pythonLibtorch(python)), searched };
}

function readManifest(path: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** The libraries a binary needs preloaded from `libDir`, in dependency order. */
function librariesFor(libDir: string, flavour: Flavour): string[] {
  const names = ['libc10.so', 'libtorch_cpu.so', ...(flavour === 'cuda' ? ['libc10_cuda.so', 'libtorch_cuda.so'] : [])];
  return names.map((n) => join(libDir, n));
}

/** The prebuilt binaries shipped in this package: tag -> folder. */
export function listPrebuilds(root = packageRoot()): { tag: string; dir: string; manifest: Manifest | null }[] {
  const base = join(root, 'prebuilds', PLATFORM);
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith('torch-'))
    .map((d) => ({ tag: d.name, dir: join(base, d.name), manifest: readManifest(join(base, d.name, 'manifest.json')) }));
}

/** The tag of a prebuilt binary, e.g. torch-1.13.0-cpu. */
export function prebuildTag(version: string, flavour: Flavour): string {
  return `torch-${version}-${flavour}`;
}

/** Decides which binary to load (and against which libtorch), loading nothing. */
export function resolveBinary(env: NodeJS.ProcessEnv = process.env, root = packageRoot()): Resolution {
  // A source build wins: a developer's fresh build must never be shadowed by
  // a prebuilt one, and it carries an rpath to the libtorch it was built
  // against, which it must be loaded with (two libtorches in one process crash).
  const built = join(root, 'build', 'Release', ADDON_FILE);
  const builtManifest = readManifest(join(root, 'build', 'Release', 'libtorch_resnet.json'));
  if (existsSync(built) && builtManifest !== null) {
    const libtorch: Libtorch = {
      root: dirname(builtManifest.libDir),
      libDir: builtManifest.libDir,
      version: builtManifest.libtorch,
      fullVersion: builtManifest.libtorch,
      via: 'build',
      hasCuda: builtManifest.flavour === 'cuda',
    };
    return { libtorch, searched: [`source build: ${built} (built against libtorch ${builtManifest.libtorch}, ${builtManifest.flavour}, ${builtManifest.libDir})`], binary: { path: built, kind: 'source', manifest: builtManifest, preload: [] } };
  }

  const { libtorch, searched } = findLibtorch(env);
  const prebuilds = listPrebuilds(root);
  const available = prebuilds.map((p) => p.tag).join(', ') || 'none';
  if (libtorch === null) {
    return {
      libtorch,
      searched,
      binary: null,
      problem: 'no libtorch found',
      fix:
        'install one: `apt-get install libtorch1.13` (Debian 12; libtorch-dev to build from source), or `pip install torch` ' +
        '(then LIBTORCH_USE_PYTORCH=1, or LTR_PYTHON=/path/to/python), or set LIBTORCH to an unpacked libtorch folder',
    };
  }
  const wantCuda = libtorch.hasCuda && env.LTR_FLAVOUR !== 'cpu';
  const order: Flavour[] = wantCuda ? ['cuda', 'cpu'] : ['cpu'];
  for (const flavour of order) {
    const tag = prebuildTag(libtorch.version, flavour);
    const match = prebuilds.find((p) => p.tag === tag && p.manifest !== null);
    if (!match) continue;
    const path = join(match.dir, ADDON_FILE);
    const preloader = join(root, 'prebuilds', PLATFORM, PRELOAD_FILE);
    // Debian's libraries are on the default search path: nothing to preload.
    const preload = libtorch.via === 'system' ? [] : librariesFor(libtorch.libDir, flavour);
    return { libtorch, searched, binary: { path, kind: 'prebuilt', manifest: match.manifest as Manifest, preload, preloader } };
  }
  return {
    libtorch,
    searched,
    binary: null,
    problem: `no binary for libtorch ${libtorch.version} (${libtorch.via}, ${libtorch.libDir}); this package has prebuilt binaries for: ${available} (${PLATFORM})`,
    fix:
      'build one from source: `npx libtorch-resnet build` (needs cmake >= 3.19, g++ and make or ninja, and the libtorch headers: ' +
      'libtorch-dev on Debian; pip and zip libtorch ship them), or point LIBTORCH / LTR_PYTHON at a libtorch with a prebuilt binary',
  };
}

/** Loads the binary a resolution picked: preloads its libtorch, then requires it. */
export function loadBinary(binary: Binary): unknown {
  const require = createRequire(import.meta.url);
  if (binary.preload.length > 0) {
    if (binary.preloader === undefined || !existsSync(binary.preloader)) throw new Error(`libtorch-resnet: the preloader ${binary.preloader} is missing from this package`);
    const { preload } = require(binary.preloader) as { preload(paths: string[]): void };
    preload(binary.preload);
  }
  return require(binary.path);
}

/** realpath that never throws (for display). */
export function displayPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
