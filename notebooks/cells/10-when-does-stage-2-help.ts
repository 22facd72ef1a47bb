// Cells of notebooks/10-when-does-stage-2-help.ipynb: edit here, then
//   npx tsx tools/make_notebook.ts notebooks/cells/10-when-does-stage-2-help.ts && npm run notebooks:write -- notebooks/10-when-does-stage-2-help.ipynb

// %% [markdown]
// # 10 · When does stage 2 help?
//
// **The question the paper leaves open.** TRACT retrains the seed on the stage-1 model's own CoTs because a judge
// reads its own, imperfect CoTs at inference while stage 1 learnt to read the score off reference CoTs. The paper
// shows the gain on 7B judges trained on GPT-4 feedback, at one amount of shift. How large must the shift be before
// stage 2 pays?
//
// **Experiment**: suite `experiments/suites/shift-sweep.json`: TRACT, A.1 (CoT-RAFT on reference CoTs, TRACT's stage
// 1) and A.2 (self-CoTs, CE only) on TinyJudge v4 at annotator slip rates `data.shift` = 0, 0.05, 0.1, 0.2 and 0.3
// (docs/tinyjudge.md, v4: an annotator's decision contradicts its evidence with probability `shift`, and its score
// follows its own decisions). For each rate: the stage-1 self-CoTs' clause accuracy, the stage-1 RMSE on training
// inputs with its own vs the reference CoTs (the paper's distribution-shift analysis), and TRACT's gain in Pearson
// r over A.1 and A.2 with 95% paired-bootstrap intervals. Profile from `TRACT_PROFILE`.

// %%
import { loadOrRunSuite, notebookProfile, profileWarning, showFigure, showMarkdown, stage2Help, stage2HelpFigure, stage2HelpReading, stage2HelpTable, suiteRunTable } from './src/notebook/index';

const profile = notebookProfile();
const res = await loadOrRunSuite({ suite: 'shift-sweep', profile: profile });
const rows = await stage2Help(res);

// %% [markdown]
// ## The sweep
//
// One row per slip rate. "Stage-1 RMSE own / reference": the stage-1 model's expected score on 500 training inputs
// after its own sampled CoTs and after the reference CoTs (the suite's shift measurement, `shift.json`). "Prediction
// sd": how much each judge's in-domain predictions vary, beside the labels' sd; a judge whose squared-error stage
// never left the constant-score plateau gives every input the same expected score and has a spread near 0. The
// differences are paired bootstraps on the same test items (95% intervals).

// %%
const warning = profileWarning(profile);
if (warning) showMarkdown(warning);
showMarkdown(stage2HelpTable(rows));

// %%
await showFigure(stage2HelpFigure(rows, 'clauseAccuracy'));

// %%
await showFigure(stage2HelpFigure(rows, 'rmseGap'));

// %% [markdown]
// ## Every run

// %%
showMarkdown(suiteRunTable(res));

// %% [markdown]
// ## Reading of the numbers above (computed from the loaded metrics)

// %%
showMarkdown(stage2HelpReading(rows));
