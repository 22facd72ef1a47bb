import { strict as assert } from 'node:assert';
import * as api from '../src';

describe('public API (src/index.ts)', () => {
  it('exports the foundation under the names the issues and docs use', () => {
    for (const name of [
      'initBackend', 'Rng', 'assertClose', 'pearson', 'spearman', 'kendallTauB', 'rmse', 'pearsonTest', 'kendallTest',
      'bootstrapCI', 'pairedBootstrapDiff', 'dropInvalid', 'expectedScore', 'raftLoss', 'tokenCrossEntropy',
      'cotRaftLoss', 'findScorePositions', 'parseScore',
    ]) {
      assert.equal(typeof (api as Record<string, unknown>)[name], 'function', name);
    }
  });

  it('exports the benchmark, paper-reference and figure functions', () => {
    for (const name of [
      'loadPrometheusBenchmark', 'loadFeedbackCollection', 'resolveBenchmark', 'applyChatTemplate', 'readPaperResults', 'deriveFromLog',
      'evaluateBenchmark', 'benchmarkTable', 'paperMainTable', 'paperAblationTable', 'paperLambdaTable', 'paperNCotTable', 'readOurRuns',
      'ablationBars', 'predictedVsGold', 'trainingCurves', 'railDistribution', 'lambdaSweep', 'calibrationPlot', 'readRunFolder',
      'readSuiteFolder', 'figuresForResults', 'exportFigures', 'figureToPng', 'figureToSvg', 'figureToPdf', 'closeFigureBrowser',
    ]) {
      assert.equal(typeof (api as Record<string, unknown>)[name], 'function', name);
    }
  });
});
