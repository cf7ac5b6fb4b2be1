#!/usr/bin/env node
// The `libtorch-resnet` command: dispatches subcommands.
//
//   libtorch-resnet inspect resnet50-0676ba61.pth
//   libtorch-resnet train --arch resnet18 --epochs 5
//   libtorch-resnet evaluate --arch resnet18 --weights model.safetensors

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { BUILD_USAGE, DOCTOR_USAGE, INSPECT_USAGE, type Output } from './output.js';

const USAGE = `usage: libtorch-resnet <command> [args]

commands:
  inspect FILE [--json]   list a checkpoint's keys, dtypes, shapes and total size
                          (.pth / .pt from torch.save, .safetensors, .npy)
  train [options]         train a ResNet on Fashion-MNIST (train --help for the options)
  evaluate [options]      test accuracy of saved weights (evaluate --help)
  doctor [--json]         which binary and libtorch load, CUDA, threads, BLAS; what to fix
  build [--flavour F]     build the addon from source for the libtorch found (no prebuilt match)
  predict [options] IMAGE...  top-k classes of images (predict --help)
  serve [options]         HTTP image classification server with micro-batching (serve --help)
  help                    this text`;

// Short help of the lazily imported commands (their modules print the full usage on errors).
const PREDICT_HELP = `usage: libtorch-resnet predict --arch NAME --weights FILE [--topk 5] [--json] [--threads N]
                               [--resize-size 256] [--crop-size 224] IMAGE...`;
const SERVE_HELP = `usage: libtorch-resnet serve --arch NAME --weights FILE [--port 8080] [--host 127.0.0.1]
       [--max-batch 8] [--max-delay-ms 5] [--max-queue 64] [--timeout-ms 30000]
       [--body-limit BYTES] [--topk 5] [--device cpu|cuda] [--threads N]
       [--resize-size 256] [--crop-size 224] [--fast]`;

interface Command {
  /** Returns (or resolves to) the exit code. */
  run: (args: string[], io: Output) => number | Promise<number>;
  /** Printed for `<command> --help`; commands without it handle --help themselves. */
  usage?: string;
}

// Every command is imported only when used: `inspect` starts fast, and `doctor`
// and `build` work when the addon cannot load (everything else imports it).
export const COMMANDS: Record<string, Command> = {
  inspect: { run: async (args, io) => (await import('./inspect.js')).inspect(args, io), usage: INSPECT_USAGE },
  doctor: { run: async (args, io) => (await import('./doctor.js')).doctor(args, io), usage: DOCTOR_USAGE },
  build: { run: async (args, io) => (await import('./build.js')).buildCommand(args, io), usage: BUILD_USAGE },
  train: { run: async (args) => (await import('./train.js')).trainCommand(args) },
  evaluate: { run: async (args) => (await import('./evaluate.js')).evaluateCommand(args) },
  predict: { run: async (args, io) => (await import('./predict.js')).predictCommand(args, io), usage: PREDICT_HELP },
  serve: { run: async (args) => (await import('./serve.js')).serveCommand(args), usage: SERVE_HELP },
};

/** A usage problem (cli/models.ts's UsageError) exits 2, anything else 1, as the message says why. */
function failure(error: unknown, io: Output): number {
  const message = error instanceof Error ? error.message : String(error);
  // fastify and sharp are optional peer dependencies: only serve / predict need them.
  const missing = /Cannot find (?:package|module) '(fastify|sharp)'/.exec(message)?.[1];
  if (missing !== undefined) {
    io.err(`libtorch-resnet: this command needs the optional dependency ${missing}: npm install ${missing}${missing === 'fastify' ? ' sharp' : ''}`);
    return 1;
  }
  if (error instanceof Error && error.constructor.name === 'UsageError') {
    io.err(message);
    return 2;
  }
  io.err(`libtorch-resnet: ${message}`);
  return 1;
}

/** Runs the command line `args` (without node and the script); returns the exit code. */
export function main(args: string[], io: Output = { out: (l) => console.log(l), err: (l) => console.error(l) }): number | Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  const sub = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (sub === undefined) {
    io.err(`libtorch-resnet: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  if (sub.usage !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    io.out(sub.usage);
    return 0;
  }
  try {
    const code = sub.run(rest, io);
    return code instanceof Promise ? code.catch((error: unknown) => failure(error, io)) : code;
  } catch (error) {
    return failure(error, io);
  }
}

// Run when executed (directly or through npm's bin link), not when imported by tests.
const invoked = process.argv[1];
if (invoked !== undefined) {
  let self = false;
  try {
    self = import.meta.url === pathToFileURL(realpathSync(invoked)).href;
  } catch {
    // not a file path (e.g. node -e)
  }
  if (self) {
    Promise.resolve(main(process.argv.slice(2))).then((code) => {
      process.exitCode = code;
    });
  }
}
