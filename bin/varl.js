#!/usr/bin/env node
// Launcher for the varl CLI. In the repository it runs algorithms/cli.ts under tsx, with no build
// step; in an installed package (no .ts sources) it runs the compiled dist/algorithms/cli.js with
// plain node. It adds --experimental-wasm-relaxed-simd when this node accepts it (the wasm kernels
// then use FMA).
//
// Signals and lifetime: the CLI runs in its own session, so terminal signals (Ctrl-C, Ctrl-\,
// hangup, window resize) reach the launcher only and are forwarded exactly once — a second Ctrl-C
// stays a second signal, which the trainer takes as "leave now". SIGINT, SIGTERM, SIGHUP, SIGQUIT,
// SIGUSR1, SIGUSR2 and SIGWINCH are forwarded; Ctrl-Z stops both processes and SIGCONT resumes both.
// The exit status is the CLI's, or 128 + n when it dies from signal n, as a shell reports it. The CLI
// also holds an IPC channel to the launcher and preloads bin/parent-watch.js, which stops it as on
// SIGTERM (checkpoint, exit 130) when the channel closes, so even a launcher killed with SIGKILL
// leaves no orphaned trainer behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../algorithms/cli.ts', import.meta.url));
const compiled = fileURLToPath(new URL('../dist/algorithms/cli.js', import.meta.url));
const watcher = new URL('./parent-watch.js', import.meta.url).href;
let entry;
if (existsSync(source)) {
  let loader;
  try {
    loader = import.meta.resolve('tsx');
  } catch {
    process.stderr.write('varl: the TypeScript loader tsx is not installed (npm install, which installs the dev dependencies)\n');
    process.exit(1);
  }
  entry = ['--import', loader, source];
} else if (existsSync(compiled)) {
  entry = [compiled];
} else {
  process.stderr.write(`varl: found neither ${source} nor ${compiled} (build with npm run build)\n`);
  process.exit(1);
}
const relaxedSimd = '--experimental-wasm-relaxed-simd';
const flags = spawnSync(process.execPath, [relaxedSimd, '-e', ''], { stdio: 'ignore' }).status === 0 ? [relaxedSimd] : [];
const child = spawn(process.execPath, [...flags, '--import', watcher, ...entry, ...process.argv.slice(2)], {
  stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  // POSIX: a new session, so a terminal's signals are not delivered twice (to the launcher and, via
  // the process group, to the CLI). Windows has no such signals; there it would open a new console.
  detached: process.platform !== 'win32',
});

const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill(signal);
    } catch {
      // the CLI has just exited; its exit status is reported below
    }
  }
};
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];
for (const signal of FORWARDED) {
  try {
    process.on(signal, () => forward(signal));
  } catch {
    // not a signal on this platform
  }
}
if (process.platform !== 'win32') {
  // Ctrl-Z: stop the CLI (it is outside the terminal's job control), then this launcher; the shell's
  // `fg`/`bg` sends SIGCONT to the launcher, which resumes the CLI.
  process.on('SIGTSTP', () => {
    forward('SIGSTOP');
    process.kill(process.pid, 'SIGSTOP');
  });
  process.on('SIGCONT', () => forward('SIGCONT'));
}
child.on('error', (error) => {
  process.stderr.write(`varl: could not start ${process.execPath}: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
});
