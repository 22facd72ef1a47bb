/**
 * The methods of the paper as data: which prompt, which training stages (data source, objective,
 * initialisation) and which inference. Names are ours; the paper's ids are in brackets
 * (docs/method.md §8).
 *
 * @module tract/methods
 */
import type { OBJECTIVES } from '../losses/objective';

/** Where a stage's training targets come from. */
export type StageData = 'reference' | 'self' | 'mixed' | 'score-only';
/** Which objective a stage trains with (see `losses/objective.ts`). */
export type StageObjective = keyof typeof OBJECTIVES;

/** One training stage. */
export interface StageSpec {
  name: 'stage1' | 'stage2';
  data: StageData;
  objective: StageObjective;
  /** Start from the seed model or from stage 1's weights. */
  init: 'seed' | 'stage1';
}

/** How a method predicts at test time. */
export type Decoding = 'cot-rail' | 'standard' | 'rail' | 'standard-score-only';

/** A method: prompt kind, stages, and its primary decoding (both readouts are always saved). */
export interface MethodSpec {
  id: string;
  /** The paper's row or ablation id. */
  paperId: string;
  /** The paper's name for the row, short enough for a table (`CE (w/o CoT)`, `TRACT`). */
  paperName: string;
  description: string;
  prompt: 'cot' | 'score-only';
  stages: StageSpec[];
  /** Stage whose model samples the self-CoTs (when a later stage uses them). */
  selfCotFrom?: 'stage1';
  decoding: Decoding;
}

const s1 = (data: StageData, objective: StageObjective): StageSpec => ({
  name: 'stage1',
  data,
  objective,
  init: 'seed',
});
const s2 = (data: StageData, objective: StageObjective, init: 'seed' | 'stage1' = 'seed'): StageSpec => ({
  name: 'stage2',
  data,
  objective,
  init,
});

export const METHODS: Record<string, MethodSpec> = {
  seed: {
    id: 'seed',
    paperId: '-',
    paperName: 'Seed model (untrained)',
    prompt: 'score-only',
    stages: [],
    decoding: 'rail',
    description: 'the untrained seed model, RAIL on the score-only prompt (a floor every trained judge must beat)',
  },
  'ce-no-cot': {
    id: 'ce-no-cot',
    paperId: 'B1',
    paperName: 'CE (w/o CoT)',
    prompt: 'score-only',
    stages: [s1('score-only', 'ce')],
    decoding: 'rail',
    description: 'CE on the score digit, score-only prompt (CE w/o CoT); RAIL readout',
  },
  raft: {
    id: 'raft',
    paperId: 'B3',
    paperName: 'RAFT',
    prompt: 'score-only',
    stages: [s1('score-only', 'raft')],
    decoding: 'rail',
    description: 'RAFT: squared error of the expected score, no CoT; RAIL readout',
  },
  'ce-cot': {
    id: 'ce-cot',
    paperId: 'B2',
    paperName: 'CE (w/ CoT)',
    prompt: 'cot',
    stages: [s1('reference', 'ce')],
    decoding: 'standard',
    description: 'Prometheus-style CE on reference CoT + digit (CE w/ CoT); standard decoding',
  },
  'cot-raft-ref': {
    id: 'cot-raft-ref',
    paperId: 'A.1',
    paperName: 'CoT-RAFT, reference CoTs only',
    prompt: 'cot',
    stages: [s1('reference', 'cotRaft')],
    decoding: 'cot-rail',
    description: 'CoT-RAFT on reference CoTs only (= TRACT stage 1); CoT-RAIL',
  },
  tract: {
    id: 'tract',
    paperId: 'T',
    paperName: 'TRACT',
    prompt: 'cot',
    stages: [s1('reference', 'cotRaft'), s2('self', 'cotRaft')],
    selfCotFrom: 'stage1',
    decoding: 'cot-rail',
    description: 'TRACT: CoT-RAFT on reference CoTs, self-CoTs from stage 1, CoT-RAFT from the seed on them; CoT-RAIL',
  },
  'self-cot-ce': {
    id: 'self-cot-ce',
    paperId: 'A.2',
    paperName: 'Self-CoTs, CE only',
    prompt: 'cot',
    stages: [s1('reference', 'ce'), s2('self', 'ce')],
    selfCotFrom: 'stage1',
    decoding: 'cot-rail',
    description: 'Self-generated CoTs with CE only in both stages; CoT-RAIL',
  },
  'tract-stage2-from-stage1': {
    id: 'tract-stage2-from-stage1',
    paperId: 'A.3',
    paperName: 'TRACT, stage 2 from stage 1',
    prompt: 'cot',
    stages: [s1('reference', 'cotRaft'), s2('self', 'cotRaft', 'stage1')],
    selfCotFrom: 'stage1',
    decoding: 'cot-rail',
    description: 'TRACT with stage 2 initialised from stage 1 instead of the seed; CoT-RAIL',
  },
  'cot-raft-then-ce': {
    id: 'cot-raft-then-ce',
    paperId: 'A.4',
    paperName: 'CoT-RAFT, then CE on self-CoTs',
    prompt: 'cot',
    stages: [s1('reference', 'cotRaft'), s2('self', 'ce')],
    selfCotFrom: 'stage1',
    decoding: 'cot-rail',
    description: 'Stage-1 CoT-RAFT, stage-2 CE only on self-CoTs; CoT-RAIL',
  },
  'ce-then-raft': {
    id: 'ce-then-raft',
    paperId: 'A.5',
    paperName: 'CE, then RAFT (sequential)',
    prompt: 'cot',
    stages: [s1('reference', 'ce'), s2('reference', 'raft', 'stage1')],
    decoding: 'cot-rail',
    description: 'Sequential instead of joint: CE on reference CoTs, then RAFT only on the score; CoT-RAIL',
  },
  'mixed-cot': {
    id: 'mixed-cot',
    paperId: 'A.6',
    paperName: 'Reference + self-CoTs mixed',
    prompt: 'cot',
    stages: [s1('reference', 'cotRaft'), s2('mixed', 'cotRaft')],
    selfCotFrom: 'stage1',
    decoding: 'cot-rail',
    description: 'Reference and self CoTs mixed in one stage-2 training set (from the seed); CoT-RAIL',
  },
};

/** The method of an id, or an error listing the known ones. */
export function methodSpec(id: string): MethodSpec {
  const m = METHODS[id];
  if (!m) throw new Error(`unknown method '${id}' (known: ${Object.keys(METHODS).join(', ')})`);
  return m;
}

/** The paper's name of a paper id (`T` → `TRACT`), or the id itself when no method has it. */
export function paperNameOf(paperId: string): string {
  return Object.values(METHODS).find((m) => m.paperId === paperId)?.paperName ?? paperId;
}
