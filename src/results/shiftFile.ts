/**
 * `shift.json` of a suite folder: the distribution shift TRACT is about, measured on training inputs
 * as the paper does (`tract/distributionShift.ts`): the RMSE of each stage's expected score against
 * the training scores when it reads the reference CoTs and when it reads its own, and the quality of
 * the stage-1 model's own CoTs (stage 2's training data).
 *
 * @module results/shiftFile
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readJson, writeJson } from '../io/json';

/** The content of `shift.json`. */
export interface ShiftSummary {
  /** Stage 1 (trained on reference CoTs) reading the reference CoTs, and its own self-CoTs. */
  stage1: { rmseReference: number; rmseSelf: number };
  /** Stage 2 (trained on the self-CoTs) reading the reference CoTs, and CoTs it samples now. */
  stage2: { rmseReference: number; rmseSelf: number };
  /** Mean fraction of criteria the stage-1 self-CoTs decide right (against the truth). */
  selfCotClauseAccuracy: number;
  /** Fraction of stage-1 self-CoTs whose clauses are all right. */
  selfCotAllCorrect: number;
  /** Which run was measured, on how many training examples, and the cache key of its inputs. */
  run: string;
  method: string;
  n: number;
  key: string;
}

/** The `shift.json` path of a suite folder. */
export function shiftFilePath(suiteDir: string): string {
  return join(suiteDir, 'shift.json');
}

/** Writes a shift measurement to `file` (atomically): a suite's `shift.json`, or its step-cache copy. */
export function writeShiftJson(file: string, s: ShiftSummary): void {
  mkdirSync(dirname(file), { recursive: true });
  writeJson(file, s);
}

/** Writes `shift.json` (atomically). */
export function writeShiftFile(suiteDir: string, s: ShiftSummary): void {
  writeShiftJson(shiftFilePath(suiteDir), s);
}

/** Reads and checks `shift.json`, or null when the suite folder has none. */
export function readShiftFile(suiteDir: string): ShiftSummary | null {
  const file = shiftFilePath(suiteDir);
  return existsSync(file) ? readShiftJson(file) : null;
}

/** Reads and checks a shift measurement (a suite's `shift.json` or its step-cache copy); throws naming the file. */
export function readShiftJson(file: string): ShiftSummary {
  const s = readJson<ShiftSummary>(file);
  for (const k of ['stage1', 'stage2'] as const) {
    for (const f of ['rmseReference', 'rmseSelf'] as const) {
      if (typeof s[k]?.[f] !== 'number') throw new Error(`${file}: field '${k}.${f}' missing or not a number`);
    }
  }
  return s;
}
