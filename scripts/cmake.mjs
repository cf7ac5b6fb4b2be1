#!/usr/bin/env node
// Configures and builds the addon with CMake: what cmake-js did for us, without
// its forty dependencies, so the published package has none to fetch (an
// offline `npm install` of the tarball works) and can still build from source.
// Node-API's C headers come from node-api-headers, node-addon-api's C++
// wrapper from node-addon-api; both are bundled in the tarball.
//
//   node scripts/cmake.mjs [--out build] [--flavour cpu|cuda|auto] [--prebuild] [-D NAME=VALUE ...]
//
// LIBTORCH=/path picks the libtorch (see CMakeLists.txt). The compiler's
// output goes to this process's stdout/stderr as it happens.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function has(program) {
  return spawnSync(program, ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * Configures (incrementally) and builds into `out` (binaries in out/Release).
 * Returns the exit status of the step that failed, or 0.
 */
export function cmakeBuild({ out = 'build', flavour = 'auto', prebuild = false, defines = [], env = process.env, stdio = 'inherit' } = {}) {
  const buildDir = isAbsolute(out) ? out : join(ROOT, out);
  const require = createRequire(join(ROOT, 'package.json'));
  const nodeApiInclude = require('node-api-headers').include_dir;
  const generator = has('ninja') ? 'Ninja' : 'Unix Makefiles';
  const configure = spawnSync('cmake', [
    '-S', ROOT, '-B', buildDir, '-G', generator,
    '-DCMAKE_BUILD_TYPE=Release',
    `-DNODE_API_INCLUDE_DIR=${nodeApiInclude}`,
    `-DCMAKE_LIBRARY_OUTPUT_DIRECTORY=${join(buildDir, 'Release')}`,
    `-DLTR_FLAVOUR=${flavour}`,
    `-DLTR_PREBUILD=${prebuild ? 'ON' : 'OFF'}`,
    ...defines.map((d) => `-D${d}`),
    '--log-level=WARNING',
  ], { cwd: ROOT, env, stdio });
  if (configure.error) throw new Error(`cmake: ${configure.error.message}`);
  if (configure.status !== 0) return configure.status ?? 1;
  const build = spawnSync('cmake', ['--build', buildDir, '--parallel', String(availableParallelism())], { cwd: ROOT, env, stdio });
  return build.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const options = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') options.out = args[++i];
    else if (args[i] === '--flavour') options.flavour = args[++i];
    else if (args[i] === '--prebuild') options.prebuild = true;
    else if (args[i] === '-D') (options.defines ??= []).push(args[++i]);
    else {
      console.error(`usage: node scripts/cmake.mjs [--out DIR] [--flavour cpu|cuda|auto] [--prebuild] [-D NAME=VALUE] (unknown: ${args[i]})`);
      process.exit(2);
    }
  }
  process.exit(cmakeBuild(options));
}
