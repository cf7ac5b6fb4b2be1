// The package as a user gets it: `npm pack` (its prepack builds the prebuilt
// binary for each libtorch on this machine), then in a fresh project
// `npm install --offline <tarball>` with cmake, make and the C/C++ compilers
// hidden from PATH. resnet18 there must give the exact logits of this
// checkout's source build, from the prebuilt binary. Then, with that prebuild
// removed, the install step must say what is missing when it cannot build,
// and build from source when it can, with the same logits again.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { manualSeed, noGrad, randn, setNumThreads } from '../lib/index.js';
import { PLATFORM } from '../lib/libtorch.js';
import { resolution } from '../lib/native.js';
import { resnet18 } from '../resnet/index.js';
import { ROOT } from './setup/fixtures.js';

const HIDDEN = /^(cmake|ccmake|cpack|ctest|make|gmake|ninja|cc|c\+\+|gcc|g\+\+|clang|clang\+\+|cpp)(-[\d.]+)?$|^x86_64-linux-gnu-(gcc|g\+\+|c\+\+|cpp)(-[\d.]+)?$|^aarch64-linux-gnu-(gcc|g\+\+|c\+\+|cpp)(-[\d.]+)?$/;

/** A PATH whose folder links every program of the real PATH except build tools. */
function pathWithoutToolchain(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (HIDDEN.test(name) || existsSync(join(dir, name))) continue;
      try {
        if (statSync(join(folder, name)).isFile()) symlinkSync(join(folder, name), join(dir, name));
      } catch {
        // a dangling link in PATH: skip it
      }
    }
  }
  return dir;
}

/**
 * What git would commit: `git ls-files` in a checkout; in a plain copy of the
 * tree (scripts/check-libtorch2.sh) every file outside build outputs.
 */
function sourceFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\0').filter(Boolean);
  } catch {
    // Top-level build outputs and caches (not cli/build.ts), and packed or logged files.
    const outputs = /^(node_modules|dist|build|build-.*|prebuilds|\.cache|examples-out|project)$/;
    return (readdirSync(ROOT, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((d) => d.isFile())
      .map((d) => relative(ROOT, join(d.parentPath, d.name)))
      .filter((f) => !outputs.test(f.split('/')[0]) && !/\.(tgz|log)$/.test(f));
  }
}

/** Runs a command asynchronously (so vitest's worker stays responsive), resolving to its status and output. */
function run(cmd: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => resolve({ status, out }));
  });
}

// What the user's program does: seeded resnet18, eval, one forward; prints the
// logits' bytes and where the addon came from.
const CHECK = `
import * as torch from 'libtorch-resnet';
import { resnet18 } from 'libtorch-resnet/resnet';
torch.setNumThreads(1);
torch.manualSeed(0);
const model = resnet18({ numClasses: 10 });
model.eval();
const x = torch.randn([2, 3, 64, 64]);
const logits = torch.noGrad(() => model.forward(x));
const bytes = Buffer.from(logits.toArray().buffer).toString('hex');
console.log(JSON.stringify({ bytes, versions: torch.versions(), builtWithCuda: torch.versions().builtWithCuda }));
`;

function expectedLogits(): string {
  setNumThreads(1);
  manualSeed(0);
  const model = resnet18({ numClasses: 10 });
  model.eval();
  const x = randn([2, 3, 64, 64]);
  const logits = noGrad(() => model.forward(x));
  return Buffer.from((logits.toArray() as Float32Array).buffer).toString('hex');
}

// The libtorch under test: Debian's, or another one this checkout was built
// against (scripts/check-libtorch2.sh), whose prebuilds are then packed too and
// which the user's project is pointed at with LIBTORCH.
const underTest = resolution.libtorch;
const system = underTest !== null && underTest.libDir.startsWith('/usr/');
const libtorchRoot = underTest === null ? '' : dirname(underTest.libDir);
const userEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => (system ? env : { ...env, LIBTORCH: libtorchRoot });
const headers = system ? '/usr/include/ATen/ATen.h' : join(libtorchRoot, 'include', 'ATen', 'ATen.h');
const canPack = process.platform === 'linux' && underTest !== null && existsSync(headers);
const via = system ? 'system' : 'LIBTORCH';

describe.skipIf(!canPack)('npm install of the packed tarball', () => {
  let dir = '';
  let tarball = '';
  let project = '';
  let noToolchain = '';
  const expected = canPack ? expectedLogits() : '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ltr-install-'));
    // A copy of the working tree (what git would commit), with its own node_modules
    // so the compile lines match the development build's and ccache serves them.
    const pkg = join(dir, 'pkg');
    const files = sourceFiles();
    for (const f of files) if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(pkg, f));
    cpSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    const packed = await run('npm', ['pack', '--pack-destination', dir], { cwd: pkg, env: system ? process.env : { ...process.env, LTR_PREBUILD_LIBTORCH: libtorchRoot } });
    expect(packed.status, packed.out).toBe(0);
    tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')) as string);
    noToolchain = pathWithoutToolchain(join(dir, 'bin'));
    project = join(dir, 'project');
    mkdirSync(project);
    // npm >= 11 runs a dependency's install script only when the project allows it.
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', type: 'module', private: true, allowScripts: { 'libtorch-resnet': true } }));
    writeFileSync(join(project, 'check.mjs'), CHECK);
  }, 1_800_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the tarball ships a prebuilt binary per libtorch, tagged with its version and flavour', async () => {
    const listing = await run('tar', ['-tzf', tarball], { cwd: dir });
    const prebuilds = listing.out.split('\n').filter((l) => l.startsWith(`package/prebuilds/${PLATFORM}/`));
    expect(prebuilds).toContain(`package/prebuilds/${PLATFORM}/ltr_preload.node`);
    expect(prebuilds.some((l) => /\/torch-\d+\.\d+\.\d+-cpu\/libtorch_resnet\.node$/.test(l)), prebuilds.join('\n')).toBe(true);
    expect(prebuilds.some((l) => /\/torch-\d+\.\d+\.\d+-cpu\/manifest\.json$/.test(l))).toBe(true);
    // Build outputs and sources of the tests are not shipped.
    expect(listing.out).not.toMatch(/package\/(build|test|\.cache)\//);
  });

  it('installs offline without cmake, make or a compiler and runs resnet18 with the exact logits, from the prebuild', async () => {
    expect((await run('sh', ['-c', 'command -v cmake || command -v g++ || command -v c++ || command -v make || echo hidden'], { cwd: project, env: { ...process.env, PATH: noToolchain } })).out.trim()).toBe('hidden');
    const env = userEnv({ ...process.env, PATH: noToolchain });
    const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts', tarball], { cwd: project, env });
    expect(install.status, install.out).toBe(0);
    expect(install.out).toMatch(new RegExp(`libtorch-resnet: using the prebuilt binary .*prebuilds/linux-x64/torch-${underTest?.version}-(cpu|cuda)/libtorch_resnet\\.node with libtorch`));
    const check = await run('node', ['check.mjs'], { cwd: project, env });
    expect(check.status, check.out).toBe(0);
    const result = JSON.parse(check.out.trim().split('\n').pop() as string);
    expect(result.versions.prebuilt).toBe(true);
    // A libtorch with libtorch_cuda.so gets the CUDA-linked prebuild.
    expect(result.builtWithCuda).toBe(underTest !== null && existsSync(join(underTest.libDir, 'libtorch_cuda.so')));
    expect(result.bytes).toBe(expected);
    // doctor, from the installed package
    const doctor = await run('npx', ['--offline', 'libtorch-resnet', 'doctor'], { cwd: project, env });
    expect(doctor.status, doctor.out).toBe(0);
    expect(doctor.out).toMatch(/binary: +prebuilt .*torch-[\d.]+-(cpu|cuda)/);
    expect(doctor.out).toMatch(/verdict: OK/);

    // A broken libtorch (libc10.so missing): doctor names the library and the fix, exit 1.
    const broken = join(dir, 'broken-libtorch');
    mkdirSync(join(broken, 'lib'), { recursive: true });
    writeFileSync(join(broken, 'build-version'), `${underTest?.version}\n`);
    symlinkSync(realpathSync(join(underTest?.libDir ?? '', system ? `libtorch_cpu.so.${underTest?.version}` : 'libtorch_cpu.so')), join(broken, 'lib', 'libtorch_cpu.so'));
    const sick = await run('npx', ['--offline', 'libtorch-resnet', 'doctor'], { cwd: project, env: { ...env, LIBTORCH: broken } });
    expect(sick.status, sick.out).toBe(1);
    expect(sick.out).toMatch(/loads: +NO/);
    expect(sick.out).toMatch(/libc10\.so: cannot open shared object file/);
    expect(sick.out).toMatch(/fix: libc10\.so is missing: the libtorch the binary was built for/);
  }, 600_000);

  it('without a matching prebuild and without a toolchain, install says what to install', async () => {
    const installed = join(project, 'node_modules', 'libtorch-resnet');
    for (const d of readdirSync(join(installed, 'prebuilds', PLATFORM))) {
      if (d.startsWith('torch-')) rmSync(join(installed, 'prebuilds', PLATFORM, d), { recursive: true });
    }
    const env = userEnv({ ...process.env, PATH: noToolchain });
    const rebuild = await run('npm', ['rebuild', 'libtorch-resnet', '--offline', '--foreground-scripts'], { cwd: project, env });
    expect(rebuild.status).not.toBe(0);
    expect(rebuild.out).toMatch(new RegExp(`no binary for libtorch ${underTest?.version} \\(${via}`));
    expect(rebuild.out).toMatch(/cmake >= 3\.19 \(cmake\) is not on PATH/);
    expect(rebuild.out).toMatch(/apt-get install cmake g\+\+ make/);
    // Importing says the same, with the fix, instead of a bare dlopen error.
    const check = await run('node', ['check.mjs'], { cwd: project, env });
    expect(check.status).not.toBe(0);
    expect(check.out).toMatch(new RegExp(`libtorch-resnet: no binary for libtorch ${underTest?.version} .*\\n.*looked at: ${system ? 'system' : 'LIBTORCH=.*'}: libtorch [\\d.]+`));
    expect(check.out).toMatch(/fix: build one from source: `npx libtorch-resnet build`/);
    const doctor = await run('npx', ['--offline', 'libtorch-resnet', 'doctor'], { cwd: project, env });
    expect(doctor.status).toBe(1);
    expect(doctor.out).toMatch(/loads: +NO/);
  }, 600_000);

  it('with the toolchain, the install step builds from source and gives the same logits', async () => {
    const rebuild = await run('npm', ['rebuild', 'libtorch-resnet', '--offline', '--foreground-scripts'], { cwd: project, env: userEnv(process.env) });
    expect(rebuild.status, rebuild.out).toBe(0);
    expect(rebuild.out).toMatch(new RegExp(`building from source against libtorch [\\d.+a-z]+ \\(${via}`));
    expect(rebuild.out).toMatch(/built from source and loaded/);
    const check = await run('node', ['check.mjs'], { cwd: project, env: userEnv(process.env) });
    expect(check.status, check.out).toBe(0);
    const result = JSON.parse(check.out.trim().split('\n').pop() as string);
    expect(result.versions.prebuilt).toBe(false);
    expect(result.bytes).toBe(expected);
  }, 1_200_000);

});
