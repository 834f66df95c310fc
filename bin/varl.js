#!/usr/bin/env node
// Launcher for the varl CLI: runs algorithms/cli.ts under tsx, with no build step.
// It adds --experimental-wasm-relaxed-simd when this node accepts it (the wasm kernels then use
// FMA). SIGINT from a terminal reaches the child directly (same process group) and the child saves
// a checkpoint before exiting, so the launcher only waits; SIGTERM/SIGHUP sent to the launcher
// alone are forwarded. The exit status is the child's.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../algorithms/cli.ts', import.meta.url));
let loader;
try {
  loader = import.meta.resolve('tsx');
} catch {
  process.stderr.write('varl: the TypeScript loader tsx is not installed (npm install tsx)\n');
  process.exit(1);
}
const relaxedSimd = '--experimental-wasm-relaxed-simd';
const flags = spawnSync(process.execPath, [relaxedSimd, '-e', ''], { stdio: 'ignore' }).status === 0 ? [relaxedSimd] : [];
const child = spawn(process.execPath, [...flags, '--import', loader, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
process.on('SIGINT', () => {});
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
});
