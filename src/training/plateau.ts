/**
 * The constant-score plateau of the squared-error term, read from a training log.
 *
 * RAFT and CoT-RAFT train the score digit only through (Σ k·p(k) − y)². When the model puts almost all of the
 * digit's probability on one score token k, the expected score is k for every example and the gradient of
 * each logit, p_j·(j − ŷ)·(ŷ − y), vanishes: training sits on a plateau until the CoT-conditioned signal breaks
 * the tie. With whole-number labels y the logged score term of such a step is the batch mean of (k − y)², a
 * whole number divided by the batch size, which is what this module detects. On labels that are not whole
 * numbers (means of several annotators) it finds nothing.
 *
 * @module training/plateau
 */

/** One logged training step: its number and the batch mean of the squared-error term. */
export interface ScoreStep {
  step: number;
  score: number;
}

/** Where a training stage sat on the constant-score plateau. */
export interface ScorePlateau {
  /** Steps whose score term is a whole number of 1/batch (within `tol`), out of `steps`. */
  onSteps: number;
  steps: number;
  /**
   * The last step of a stretch where at least half of `window` consecutive steps are on the plateau, or
   * null when there is none (isolated coincidences do not count).
   */
  lastStep: number | null;
  /** Whether the stage's last step is still in such a stretch (it never left the plateau). */
  endedOn: boolean;
}

/**
 * The plateau of one stage's logged steps.
 * @param rows the stage's steps in order (one per optimiser step)
 * @param batch the effective batch size (batch size × gradient accumulation) the score term is a mean over
 */
export function scorePlateau(
  rows: readonly ScoreStep[],
  batch: number,
  opts: { tol?: number; window?: number } = {},
): ScorePlateau {
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`scorePlateau: batch must be a whole number >= 1, got ${batch}`);
  const tol = opts.tol ?? 1e-3;
  const window = opts.window ?? 20;
  const on = rows.map(
    (r) => Number.isFinite(r.score) && r.score > 0 && Math.abs(r.score * batch - Math.round(r.score * batch)) < tol,
  );
  let lastStep: number | null = null;
  let endedOn = false;
  let count = 0; // on-steps among the last `window` steps
  for (let i = 0; i < rows.length; i++) {
    count += on[i] ? 1 : 0;
    if (i >= window) count -= on[i - window] ? 1 : 0;
    const dense = i + 1 >= window && 2 * count >= window;
    if (dense && on[i]) lastStep = rows[i].step;
    if (i === rows.length - 1) endedOn = dense;
  }
  if (lastStep === null) endedOn = false;
  return { onSteps: on.filter(Boolean).length, steps: rows.length, lastStep, endedOn };
}
