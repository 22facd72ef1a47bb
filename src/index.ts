/**
 * TRACT in TypeScript: the public API.
 *
 * Groups (one folder each under `src/`; dependencies point down this list):
 *  - **engine**: backend choice ({@link initBackend}), seeded random streams ({@link Rng}),
 *    wasm-safe tensor ops, shape and tolerance assertions.
 *  - **metrics**: Pearson, Spearman, Kendall τ-b, RMSE with scipy-exact p-values; bootstrap
 *    intervals and paired bootstrap tests; {@link dropInvalid} to count what is dropped.
 *  - **losses**: RAIL's expected score, the RAFT loss, token cross-entropy, the CoT-RAFT loss.
 *  - **decoding**: reading scores from judge text ({@link parseScore}).
 *
 * @example
 * ```ts
 * import { initBackend, raftLoss, pearson, bootstrapCI } from './src';
 * await initBackend();
 * ```
 * @module tract
 */

// engine
export { initBackend, describeBackend, BACKENDS } from './engine/backend';
export type { BackendName, BackendReport, InitBackendOptions } from './engine/backend';
export { Rng } from './engine/rng';
export type { RngState } from './engine/rng';
export { assertClose, assertShape } from './engine/asserts';
export type { CloseOptions } from './engine/asserts';
export { gatherRows, oneHotFloat } from './engine/ops';

// metrics
export {
  pearson, pearsonTest, spearman, kendallTauB, kendallTest, rmse, rankAverage, dropInvalid, checkPairs,
} from './metrics/correlation';
export type { TestResult, KeptPairs } from './metrics/correlation';
export { bootstrapCI, pairedBootstrapDiff, quantileSorted } from './metrics/bootstrap';
export type { BootstrapCI, BootstrapOptions, PairedBootstrapResult, PairedVerdict, PairMetric } from './metrics/bootstrap';

// losses
export { expectedScore, scoreProbabilities } from './losses/expectedScore';
export type { ExpectedScoreOptions } from './losses/expectedScore';
export { raftLoss, raftSquaredErrors } from './losses/raft';
export type { RaftLossOptions, GoldScores } from './losses/raft';
export { tokenCrossEntropy } from './losses/crossEntropy';
export { cotRaftLoss, findScorePositions } from './losses/cotRaft';
export type { CotRaftBatch, CotRaftOptions, CotRaftLoss } from './losses/cotRaft';

// decoding
export { parseScore, isParsed } from './decoding/parseScore';
export type { ParsedScore, ParseScoreOptions } from './decoding/parseScore';
