// Building the addon from source for the libtorch the loader finds, and
// checking that a binary loads. Used by `libtorch-resnet build`, and by the
// npm install step (scripts/install.mjs) when no prebuilt binary matches.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { findLibtorch, type Libtorch, packageRoot } from '../lib/libtorch.js';
import type { Output } from './output.js';

/** A missing tool, with the Debian package that provides it. */
interface Tool {
  names: string[];
  debian: string;
  what: string;
}

const TOOLS: Tool[] = [
  { names: ['cmake'], debian: 'cmake', what: 'cmake >= 3.19' },
  { names: ['c++', 'g++', 'clang++'], debian: 'g++', what: 'a C++17 compiler' },
  { names: ['ninja', 'make'], debian: 'make', what: 'make or ninja' },
];

function onPath(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** What is missing to build from source against `libtorch`, as lines of advice (empty: nothing). */
export function missingForBuild(libtorch: Libtorch): string[] {
  const missing: string[] = [];
  const packages: string[] = [];
  for (const tool of TOOLS) {
    if (!tool.names.some(onPath)) {
      missing.push(`${tool.what} (${tool.names.join(' / ')}) is not on PATH`);
      packages.push(tool.debian);
    }
  }
  const headers = libtorch.via === 'system' ? '/usr/include/ATen/ATen.h' : join(libtorch.root, 'include', 'ATen', 'ATen.h');
  if (!existsSync(headers)) {
    missing.push(`libtorch's headers are missing (${headers})`);
    if (libtorch.via === 'system') packages.push('libtorch-dev');
  }
  if (packages.length > 0) missing.push(`on Debian/Ubuntu: apt-get install ${packages.join(' ')}`);
  return missing;
}

/**
 * Runs CMake (scripts/cmake.mjs) against `libtorch`; the compiler's own output goes straight to
 * the terminal (stdio inherited), so a failure shows its error, never a log
 * file that may be gone. Returns true on success.
 */
export async function buildFromSource(libtorch: Libtorch, flavour: 'cpu' | 'cuda' | 'auto', io: Output): Promise<boolean> {
  const root = packageRoot();
  const env: NodeJS.ProcessEnv = { ...process.env, CCACHE_BASEDIR: process.env.CCACHE_BASEDIR ?? root };
  if (libtorch.via === 'system') delete env.LIBTORCH;
  else env.LIBTORCH = libtorch.root;
  io.out(`libtorch-resnet: building from source against libtorch ${libtorch.fullVersion} (${libtorch.via}, ${libtorch.libDir}), flavour ${flavour}; this takes a few minutes`);
  const { cmakeBuild } = (await import(pathToFileURL(join(root, 'scripts', 'cmake.mjs')).href)) as { cmakeBuild(o: object): number };
  const status = cmakeBuild({ out: 'build', flavour, env });
  if (status !== 0) {
    io.err(`libtorch-resnet: the source build failed (exit ${status}); the compiler's messages are above`);
    return false;
  }
  return true;
}

/**
 * Loads the package in a child process (a failed dlopen must not take this
 * one down) and runs one op. Returns null when it works, else the error text.
 */
export function checkLoads(env: NodeJS.ProcessEnv = process.env): string | null {
  const index = join(packageRoot(), 'dist', 'lib', 'index.js');
  const code = `const t = await import(${JSON.stringify(index)}); const v = t.versions(); if (t.ones([2]).sum().item() !== 2) throw new Error('ones([2]).sum() is wrong'); console.log(JSON.stringify(v));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env, encoding: 'utf8' });
  if (result.status === 0) return null;
  return (result.stderr || result.stdout || `exit ${result.status ?? result.signal}`).trim();
}

/** `libtorch-resnet build [--flavour cpu|cuda|auto]` */
export async function buildCommand(args: string[], io: Output): Promise<number> {
  let flavour: 'cpu' | 'cuda' | 'auto' = 'auto';
  for (let i = 0; i < args.length; i++) {
    const value = args[i] === '--flavour' ? args[++i] : undefined;
    if (value === 'cpu' || value === 'cuda' || value === 'auto') flavour = value;
    else {
      io.err(`libtorch-resnet build: unknown argument '${args[i] ?? ''}' (expected --flavour cpu|cuda|auto)`);
      return 2;
    }
  }
  const { libtorch, searched } = findLibtorch();
  if (libtorch === null) {
    io.err(`libtorch-resnet build: no libtorch found (${searched.join('; ')}). Install libtorch-dev, or pip install torch, or set LIBTORCH.`);
    return 1;
  }
  const missing = missingForBuild(libtorch);
  if (missing.length > 0) {
    io.err(`libtorch-resnet build: cannot build from source:\n  ${missing.join('\n  ')}`);
    return 1;
  }
  if (!(await buildFromSource(libtorch, flavour, io))) return 1;
  const problem = checkLoads();
  if (problem !== null) {
    io.err(`libtorch-resnet build: built, but the addon does not load:\n${problem}`);
    return 1;
  }
  io.out('libtorch-resnet: built and loaded');
  return 0;
}
