/**
 * `stage.json` of a trained stage in the step cache (`results/cache/stages/<key>/`): written last,
 * when the stage's model is saved, so its presence marks the stage complete.
 *
 * @module results/stageFile
 */
import { join } from 'node:path';
import { readJson, writeJson } from '../io/json';
import type { ObjectiveSpec } from '../losses/objective';
import type { TruncationStats } from '../training/batches';
import type { TrainConfig, TrainLogRow } from '../training/trainer';
import type { SelfCotStats } from './formats';

/** The content of `stage.json`. */
export interface StageFile {
  key: string;
  /** The stage spec (name, data, objective, init). */
  stage: { name: string; data: string; objective: string; init: string };
  objective: ObjectiveSpec;
  train: TrainConfig;
  truncation: TruncationStats;
  /** Training examples. */
  examples: number;
  /** The self-CoTs it trained on (stage 2 of TRACT), by cache key. */
  selfCot: { key: string; stats: SelfCotStats } | null;
  steps: number;
  seconds: number;
  /** The last row of the training log. */
  final: TrainLogRow | null;
}

/** The `stage.json` path of a stage folder. */
export function stageFilePath(stageDir: string): string {
  return join(stageDir, 'stage.json');
}

/** Writes `stage.json` (atomically). */
export function writeStageFile(stageDir: string, info: StageFile): void {
  writeJson(stageFilePath(stageDir), info);
}

/** Reads and checks `stage.json`. */
export function readStageFile(stageDir: string): StageFile {
  const file = stageFilePath(stageDir);
  const s = readJson<StageFile>(file);
  if (typeof s.steps !== 'number') throw new Error(`${file}: field 'steps' missing or not a number`);
  if (s.selfCot !== null && typeof s.selfCot?.key !== 'string')
    throw new Error(`${file}: field 'selfCot' must be null or have a 'key'`);
  return s;
}
