/**
 * The run folder of `learn({ runDir })`, as callbacks: progress rows into progress.csv/.jsonl,
 * checkpoints into checkpoint/ every `checkpointEvery` env steps and at the end (also when
 * interrupted), and the learning curve curve.svg next to every checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { showValue } from '../../engine/index.ts';
import { reachedMultiple, type Callback } from '../common/callbacks.ts';
import { encodeAgentCheckpoint } from '../common/checkpoint.ts';
import { learningCurveSvg } from '../plots/learning-curve.ts';
import type { RunFolderOptions } from '../common/host.ts';
import type { Learner } from '../common/learner.ts';
import { hasCheckpoint, writeCheckpointDir } from './checkpoint-dir.ts';
import { RunLogger } from './run-logger.ts';

export function runFolderCallbacks(runDir: string, learner: Learner, options: RunFolderOptions): Callback[] {
  // Checked before the folder is created.
  if (typeof runDir !== 'string' || runDir === '') throw new TypeError(`runFolderCallbacks: runDir must be a folder path, got ${showValue(runDir)}`);
  const given = learner as Partial<Learner> | null | undefined;
  if (typeof given !== 'object' || given === null || typeof given.checkpointParts !== 'function' || typeof given.training !== 'object') {
    throw new TypeError(`runFolderCallbacks: learner must be an agent (with checkpointParts() and training), got ${showValue(learner)}`);
  }
  if (typeof options !== 'object' || options === null) throw new TypeError(`runFolderCallbacks: options must be an object { totalSteps, checkpointEvery }, got ${showValue(options)}`);
  const { totalSteps, checkpointEvery } = options;
  for (const [name, value] of [['totalSteps', totalSteps], ['checkpointEvery', checkpointEvery]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`runFolderCallbacks: options.${name} must be a non-negative integer, got ${showValue(value)}`);
  }
  const checkpointDir = path.join(runDir, 'checkpoint');
  const state = learner.training;
  // Rows written after the checkpoint being resumed are dropped, so a resumed run's files match an uninterrupted one.
  const logger = new RunLogger(runDir, [...learner.metricNames, ...learner.gaugeNames], state.step > 0 ? state.step : undefined);
  const seed = learner.config.seed;

  const writeCurve = (): void => {
    const svg = learningCurveSvg([{ label: `seed ${seed}`, points: logger.evalHistory() }], {
      title: `${learner.algorithm} on ${learner.envId} (seed ${seed})`,
      subtitle: learner.describe(),
    });
    fs.writeFileSync(path.join(runDir, 'curve.svg'), svg);
  };
  let previousStep = 0; // set at onTrainingStart

  const logging: Callback = {
    onRecord: (_run, record) => logger.write(record),
  };
  const checkpoints: Callback = {
    onTrainingStart(run) {
      run.lastCheckpoint = hasCheckpoint(checkpointDir) ? checkpointDir : null;
      previousStep = run.step;
    },
    onStep(run) {
      const due = reachedMultiple(previousStep, run.step, checkpointEvery);
      previousStep = run.step;
      if (!due || run.step >= totalSteps) return;
      writeCheckpointDir(checkpointDir, encodeAgentCheckpoint(learner));
      run.lastCheckpoint = checkpointDir;
      writeCurve();
    },
    onTrainingEnd(run) {
      writeCheckpointDir(checkpointDir, encodeAgentCheckpoint(learner));
      run.lastCheckpoint = checkpointDir;
      writeCurve();
    },
  };
  return [logging, checkpoints];
}
