/**
 * The run folder of `learn({ runDir })`, as callbacks: progress rows into progress.csv/.jsonl,
 * checkpoints into checkpoint/ every `checkpointEvery` env steps and at the end (also when
 * interrupted), and the learning curve curve.svg next to every checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { reachedMultiple, type Callback } from '../common/callbacks.ts';
import { encodeAgentCheckpoint } from '../common/checkpoint.ts';
import { learningCurveSvg } from '../plots/learning-curve.ts';
import type { RunFolderOptions } from '../common/host.ts';
import type { Learner } from '../common/learner.ts';
import { hasCheckpoint, writeCheckpointDir } from './checkpoint-dir.ts';
import { RunLogger } from './run-logger.ts';

export function runFolderCallbacks(runDir: string, learner: Learner, { totalSteps, checkpointEvery }: RunFolderOptions): Callback[] {
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
