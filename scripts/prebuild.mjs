#!/usr/bin/env node
// Builds the prebuilt binaries the npm tarball ships (`npm pack` runs this as
// `prepack`): one per libtorch present on this machine and per flavour, each
// tagged with what it is tied to (libtorch has no stable ABI):
//
//   prebuilds/<platform>-<arch>/torch-<version>-<cpu|cuda>/libtorch_resnet.node (+ manifest.json)
//   prebuilds/<platform>-<arch>/ltr_preload.node     (libtorch-independent)
//
// Which libtorches: the system's (Debian's libtorch-dev) when its headers are
// installed, and every folder in LTR_PREBUILD_LIBTORCH (colon-separated: an
// unpacked libtorch, or a pip `torch` folder). A libtorch with
// libtorch_cuda.so gets a CPU-only binary (torch_cpu + c10, needs no CUDA
// toolkit) and a CUDA-linked one. Prebuilds are build outputs: never committed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = process.env) => {
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`prebuild: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
};

// dist/ (the tarball ships compiled JavaScript) and the discovery code we tag with.
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
const { findLibtorch, prebuildTag, PLATFORM } = await import(join(root, 'dist', 'lib', 'libtorch.js'));

const libtorches = [];
const system = findLibtorch({});
if (system.libtorch?.via === 'system' && existsSync('/usr/include/ATen/ATen.h')) libtorches.push(system.libtorch);
for (const dir of (process.env.LTR_PREBUILD_LIBTORCH ?? '').split(':').filter(Boolean)) {
  const found = findLibtorch({ LIBTORCH: dir });
  if (found.libtorch === null) {
    console.error(`prebuild: LTR_PREBUILD_LIBTORCH: ${found.searched.join('; ')}`);
    process.exit(1);
  }
  libtorches.push(found.libtorch);
}
if (libtorches.length === 0) {
  console.error('prebuild: no libtorch to build for (install libtorch-dev, or set LTR_PREBUILD_LIBTORCH)');
  process.exit(1);
}

const out = join(root, 'prebuilds', PLATFORM);
rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const { cmakeBuild } = await import(join(root, 'scripts', 'cmake.mjs'));
for (const libtorch of libtorches) {
  for (const flavour of libtorch.hasCuda ? ['cpu', 'cuda'] : ['cpu']) {
    const tag = prebuildTag(libtorch.version, flavour);
    // build-<tag>/ sits beside build/, so with CCACHE_BASEDIR the compile
    // lines match the development build's and ccache serves unchanged files.
    const buildDir = `build-${tag}`;
    const env = { ...process.env, CCACHE_BASEDIR: root };
    if (libtorch.via === 'system') delete env.LIBTORCH;
    else env.LIBTORCH = libtorch.root;
    console.log(`prebuild: ${tag} against ${libtorch.libDir}`);
    if (cmakeBuild({ out: buildDir, flavour, prebuild: true, env }) !== 0) {
      console.error(`prebuild: the build of ${tag} failed (the compiler's messages are above)`);
      process.exit(1);
    }
    mkdirSync(join(out, tag), { recursive: true });
    copyFileSync(join(root, buildDir, 'Release', 'libtorch_resnet.node'), join(out, tag, 'libtorch_resnet.node'));
    copyFileSync(join(root, buildDir, 'Release', 'libtorch_resnet.json'), join(out, tag, 'manifest.json'));
    if (!existsSync(join(out, 'ltr_preload.node'))) copyFileSync(join(root, buildDir, 'Release', 'ltr_preload.node'), join(out, 'ltr_preload.node'));
  }
}
console.log(`prebuild: ${libtorches.length} libtorch(es) -> ${out}`);
