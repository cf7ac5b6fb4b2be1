#!/usr/bin/env node
// The `libtorch-resnet` command: dispatches subcommands.
//
//   libtorch-resnet inspect resnet50-0676ba61.pth

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import { inspect, INSPECT_USAGE, type Output } from './inspect.js';

const USAGE = `usage: libtorch-resnet <command> [args]

commands:
  inspect FILE [--json]   list a checkpoint's keys, dtypes, shapes and total size
                          (.pth / .pt from torch.save, .safetensors, .npy)
  help                    this text`;

/** Subcommands: each takes its arguments and returns (or resolves to) the exit code. */
export const COMMANDS: Record<string, { run: (args: string[], io: Output) => number | Promise<number>; usage: string }> = {
  inspect: { run: inspect, usage: INSPECT_USAGE },
};

/** Runs the command line `args` (without node and the script); returns the exit code. */
export function main(args: string[], io: Output = { out: (l) => console.log(l), err: (l) => console.error(l) }): number | Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  const sub = COMMANDS[command];
  if (sub === undefined) {
    io.err(`libtorch-resnet: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(sub.usage);
    return 0;
  }
  return sub.run(rest, io);
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
    Promise.resolve(main(process.argv.slice(2))).then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        console.error(`libtorch-resnet: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      },
    );
  }
}
