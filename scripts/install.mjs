#!/usr/bin/env node
// npm's install step for libtorch-resnet. It needs no network and, when a
// prebuilt binary matches the libtorch found, no compiler: it only checks that
// the binary loads. Otherwise it builds from source (CMake) when the
// toolchain is there, or says exactly what to install or set. It never fails
// silently: every outcome prints one line at least.
//
// npm >= 11 runs dependencies' install scripts only when allowed
// (`npm install --allow-scripts=libtorch-resnet`, or
// `npm install-scripts approve libtorch-resnet`). Without it nothing is lost
// when a prebuild matches: the loader finds libtorch at import time. Otherwise
// run `npx libtorch-resnet build` once.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`libtorch-resnet: ${line}`);

// A git checkout is set up by scripts/setup.sh (npm run setup), not here.
if (existsSync(join(root, '.git')) || !existsSync(join(root, 'dist', 'lib', 'libtorch.js'))) process.exit(0);

const { resolveBinary } = await import(join(root, 'dist', 'lib', 'libtorch.js'));
const { checkLoads, missingForBuild, buildFromSource } = await import(join(root, 'dist', 'cli', 'build.js'));
const io = { out: say, err: (line) => console.error(line) };

const resolution = resolveBinary();
if (resolution.binary !== null) {
  const problem = checkLoads();
  const lt = resolution.libtorch;
  if (problem === null) {
    say(`using the ${resolution.binary.kind} binary ${resolution.binary.path} with libtorch ${lt.fullVersion} (${lt.via}, ${lt.libDir})`);
    process.exit(0);
  }
  console.error(`libtorch-resnet: ${resolution.binary.path} does not load:\n${problem}\nRun \`npx libtorch-resnet doctor\` for the fix.`);
  process.exit(1);
}
if (resolution.libtorch === null) {
  console.error(`libtorch-resnet: ${resolution.problem} (looked at: ${resolution.searched.join('; ')}).\n  fix: ${resolution.fix}`);
  process.exit(1);
}
say(resolution.problem);
const missing = missingForBuild(resolution.libtorch);
if (missing.length > 0) {
  console.error(`libtorch-resnet: cannot build from source either:\n  ${missing.join('\n  ')}\n  then run \`npx libtorch-resnet build\`, or use a libtorch with a prebuilt binary.`);
  process.exit(1);
}
if (!(await buildFromSource(resolution.libtorch, 'auto', io))) process.exit(1);
const problem = checkLoads();
if (problem !== null) {
  console.error(`libtorch-resnet: built, but the addon does not load:\n${problem}`);
  process.exit(1);
}
say('built from source and loaded');
