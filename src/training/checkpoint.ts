/**
 * Training checkpoints: the trainable variables (`weights.safetensors`, `var.<i>`), the AdamW
 * moments and step (`optimizer.safetensors`) and a JSON state (`state.json`) with the run's
 * fingerprint. A checkpoint folder is built aside and swapped in ({@link replaceFolder}); loading
 * first recovers a swap that a kill cut between its two renames ({@link recoverFolder}).
 *
 * @module training/checkpoint
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recoverFolder, replaceFolder, writeFileAtomic } from '../io/atomic';
import { SafetensorsFile, writeSafetensors, type RawTensor } from '../model/safetensors';
import type { AdamW } from './optimizer';

/** The JSON part of a checkpoint: at least the fingerprint of the run that wrote it. */
export interface TrainingState {
  fingerprint: string;
}

/** Writes weights, optimizer moments and `state` into `dir`, swapped in whole ({@link replaceFolder}). */
export function saveTrainingCheckpoint(dir: string, vars: tf.Variable[], opt: AdamW, state: TrainingState): void {
  replaceFolder(dir, (tmp) => {
    const weights = new Map<string, RawTensor>();
    vars.forEach((v, i) => {
      weights.set(`var.${i}`, { shape: [...v.shape], data: (v.dataSync() as Float32Array).slice() });
    });
    writeSafetensors(join(tmp, 'weights.safetensors'), weights);
    const s = opt.state();
    const moments = new Map<string, RawTensor>();
    vars.forEach((x, i) => {
      moments.set(`m.${i}`, { shape: [...x.shape], data: s.m[i] });
      moments.set(`v.${i}`, { shape: [...x.shape], data: s.v[i] });
    });
    writeSafetensors(join(tmp, 'optimizer.safetensors'), moments, { step: String(s.step) });
    writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(state));
  });
}

/**
 * Restores weights and optimizer moments from `dir` and returns its state; null when there is no
 * checkpoint. The state's fingerprint must equal `expected`. A swap cut between its two renames
 * (only `dir.old-PID-N` left) is recovered first ({@link recoverFolder}).
 */
export function loadTrainingCheckpoint<S extends TrainingState>(
  dir: string,
  vars: tf.Variable[],
  opt: AdamW,
  expected: string,
): S | null {
  recoverFolder(dir);
  if (!existsSync(join(dir, 'state.json'))) return null;
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as S;
  if (state.fingerprint !== expected) {
    throw new Error(
      `${dir}: checkpoint belongs to a different run (config or data changed); delete it or use another output folder`,
    );
  }
  const weights = new SafetensorsFile(join(dir, 'weights.safetensors'));
  vars.forEach((v, i) => {
    const raw = weights.read(`var.${i}`);
    if (raw.shape.join(',') !== v.shape.join(',')) {
      throw new Error(`${weights.path}: var.${i} has shape [${raw.shape}], model has [${v.shape}]`);
    }
    v.assign(tf.tensor(raw.data, raw.shape, 'float32'));
  });
  const moments = new SafetensorsFile(join(dir, 'optimizer.safetensors'));
  opt.load({
    step: Number(moments.metadata.step),
    m: vars.map((_, i) => moments.read(`m.${i}`).data as Float32Array),
    v: vars.map((_, i) => moments.read(`v.${i}`).data as Float32Array),
  });
  return state;
}
