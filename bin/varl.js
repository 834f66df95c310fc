#!/usr/bin/env node
// Launcher for the varl CLI. In the repository it runs algorithms/cli.ts under tsx, with no build
// step; in an installed package (no .ts sources) it runs the compiled dist/algorithms/cli.js with
// plain node. It adds --experimental-wasm-relaxed-simd when this node accepts it (the wasm kernels
// then use FMA). SIGINT from a terminal reaches the child directly (same process group) and the
// child saves a checkpoint before exiting, so the launcher only waits; SIGTERM/SIGHUP sent to the
// launcher alone are forwarded. The exit status is the child's.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../algorithms/cli.ts', import.meta.url));
const compiled = fileURLToPath(new URL('../dist/algorithms/cli.js', import.meta.url));
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
const child = spawn(process.execPath, [...flags, ...entry, ...process.argv.slice(2)], { stdio: 'inherit' });
process.on('SIGINT', () => {});
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
});
