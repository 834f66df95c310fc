/** The text `varl help` prints, and the CLI after a UsageError: every command and flag, the algorithms with their presets. */
import { ALGORITHMS, algorithmNames } from '../registry.ts';

/** The usage of every command, with the registered algorithms, their presets and their eval flags. */
export function usage(): string {
  const names = algorithmNames().join('|');
  const algorithms = ALGORITHMS.map((r) => {
    const presets = Object.keys(r.presets);
    const envPresets = Object.keys(r.envPresets);
    return `      ${r.name.padEnd(6)} ${r.summary}` +
      (presets.length ? `\n             --preset ${presets.join(' | ')}` : '') +
      (envPresets.length ? `\n             per-env presets: ${envPresets.join(', ')}` : '');
  }).join('\n');
  const evalFlags = ALGORITHMS.flatMap((r) => Object.entries(r.evalFlags).map(([flag, f]) =>
    `      --${flag} K${' '.repeat(Math.max(1, 22 - flag.length))}${r.name.toUpperCase()}: ${f.description}`)).join('\n');
  return `usage:
  varl train --algo ${names} --env <id> [options]
      --steps N              total env steps (default: the env's preset, else 100000)
      --seed S               root seed (default 0)
      --out DIR              run folder (default runs/<algo>-<env>-s<seed>, suffixed -2, -3… if taken)
      --preset NAME          a named preset of the algorithm (below)
      --config FILE.json     algorithm config overrides (keys of the algorithm's config)
      --set KEY=VALUE        one config override, after --config's; VALUE is JSON, else a string
                             (--set leapfrogSteps=3 --set hiddenSizes=[64,64]); repeatable
      --resume               continue the run in --out from its last checkpoint
      --force                start over in an --out that already holds a run (or write into a folder that is not one)
      --allow-kernel-change  resume under another kernel set than the run's (no longer bit-identical)
      --no-preset            ignore the per-env preset (RL Zoo hyperparameters)
      --eval-every N         env steps between evaluations (default 1000; 0 = off)
      --eval-episodes N      episodes per evaluation (default 10)
      --eval-seed N          evaluation episode i resets with seed N + i (default: seed + 1000000)
      --checkpoint-every N   env steps between checkpoints (default 1000)
      --stop-at-return R     stop once an evaluation's mean return reaches R ('threshold': the env's reward threshold)
      --quiet                no progress output
    algorithms:
${algorithms}
  varl eval --checkpoint DIR [--episodes N] [--seed S] [--video FILE.svg] [--frames DIR]
      prints {"mean", "std", …} of the deterministic policy as JSON
      --video FILE.svg       also write the first episode as an animated SVG (played at the env's render fps)
      --frames DIR           also write it as one SVG per state, frame-00000.svg, … (a new or empty folder)
${evalFlags}
  varl export --checkpoint DIR --out DIR [--force]
      writes the policy to ship: the checkpoint's meta.json and networks, without the optimizer state
      and buffers; checks that it acts as the checkpoint does; load it with { weightsOnly: true }
  varl inspect --checkpoint DIR (--obs V,V,… | --state T [--seed S]) [--dims I,J] [--resolution R] [--svg FILE]
               [--inference-seed N]
      why the policy acts as it does at one state, as JSON: Q(s, ·) on a grid of the action box, the
      policy's density, the deterministic action, IAPO's inference or an MCMC chain's iterates;
      --state T: the T-th state of the deterministic evaluation episode from seed S (default 0);
      --dims I,J: the action coordinates on the grid (default 0,1; the others held at the deterministic
      action); --svg FILE: also drawn; --inference-seed N: the seed of IAPO's inference noise (default 0)
  varl analyze gap|iterations|modes|new-objective --checkpoint DIR [--checkpoint DIR2 …]
      amortization gap, per-iteration objective, multiple estimates, new objective (IAPO;
      see varl analyze help)
  varl sweep plan|run|job|submit|status|report|archive|adopt …
      a sweep file (JSON or YAML) expanded into training jobs, run on parallel processes or
      SLURM, resumable; reports with 95% intervals (see varl sweep help)
  varl tune <file> [--out DIR] [--jobs N] [--quiet] [--backend slurm …]
      random search with successive halving over the sweep file's search space, then the best
      configurations re-evaluated on fresh seeds
  varl bench [args…]         runs the bench suite (npm run bench)
  varl help`;
}
