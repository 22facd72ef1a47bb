/**
 * The training objective of every method, as data: one CoT-RAFT form with weights.
 *
 *   total = ceWeight · CE(target tokens [except the digit]) + λ(step) · (RAIL − y*)²
 *
 * - TRACT / CoT-RAFT: ceWeight 1, λ 1, digit excluded from CE (docs/method.md §4.2).
 * - CE (Prometheus-style SFT, "CE w/ CoT", "CE w/o CoT"): ceWeight 1, λ 0, digit included.
 * - RAFT (no CoT): ceWeight 0, λ 1: the squared error only, at the score position (§3).
 * λ(step) ramps linearly from 0 over `lambdaRampSteps` (a format warm-up for seed models that
 * put no probability on digits; docs/tinyjudge.md), only when CE is on; 0 steps = no ramp.
 *
 * @module losses/objective
 */
import * as tf from '@tensorflow/tfjs';
import { cotRaftLoss, type CotRaftLoss } from './cotRaft';

/** The loss of a training stage. */
export interface ObjectiveSpec {
  ceWeight: number;
  lambda: number;
  ceIncludesScoreToken: boolean;
  reduction: 'mean' | 'officialParity';
  lambdaRampSteps: number;
}

export const OBJECTIVES = {
  cotRaft: { ceWeight: 1, lambda: 1, ceIncludesScoreToken: false, reduction: 'mean', lambdaRampSteps: 0 },
  ce: { ceWeight: 1, lambda: 0, ceIncludesScoreToken: true, reduction: 'mean', lambdaRampSteps: 0 },
  raft: { ceWeight: 0, lambda: 1, ceIncludesScoreToken: false, reduction: 'mean', lambdaRampSteps: 0 },
} as const satisfies Record<string, ObjectiveSpec>;

/** λ at a step (linear ramp when configured and CE is on). */
export function lambdaAt(spec: ObjectiveSpec, step: number): number {
  if (spec.lambdaRampSteps <= 0 || spec.ceWeight === 0) return spec.lambda;
  return spec.lambda * Math.min(1, (step + 1) / spec.lambdaRampSteps);
}

/** A batch in the form the objective needs. */
export interface ObjectiveBatch {
  ids: number[][];
  mask: number[][];
  scorePos: number[];
  gold: number[];
}

/**
 * The objective on model logits; returns `{ total, ce, score }` (the caller owns them).
 * @param logits [B, T, V] from the model on `batch.ids`
 */
export function judgeObjective(
  logits: tf.Tensor3D,
  batch: ObjectiveBatch,
  scoreTokenIds: readonly number[],
  spec: ObjectiveSpec,
  step: number,
): CotRaftLoss {
  return tf.tidy(() => {
    const parts = cotRaftLoss(
      { logits, targets: batch.ids, mask: batch.mask, scorePos: batch.scorePos, gold: batch.gold, scoreTokenIds },
      { lambda: 1, ceIncludesScoreToken: spec.ceIncludesScoreToken, reduction: spec.reduction },
    );
    const total = tf.add(tf.mul(parts.ce, spec.ceWeight), tf.mul(parts.score, lambdaAt(spec, step))) as tf.Scalar;
    return { total, ce: parts.ce, score: parts.score };
  });
}
