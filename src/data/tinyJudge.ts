/**
 * TinyJudge: a synthetic LLM-as-a-judge benchmark that a 260K-parameter model can learn on a CPU,
 * built to mirror the structure of the real task (see docs/tinyjudge.md).
 *
 * - The "response" is a short story in TinyStories words: one sentence per slot (animal, place,
 *   feeling, weather, object), each slot with 5 values.
 * - The rubric has K = 4 yes/no criteria on 4 of the 5 slots ("Is there a cat?"), with a score
 *   description, in a compact version of the Prometheus layout (task line, response, rubric, score
 *   description, "Feedback:"), shortened to fit a 512-token vocabulary and context.
 * - Gold score = 1 + number of criteria met (uniform over 1..5).
 * - The annotation CoT (the GPT-4 analogue) has one clause per criterion that quotes the evidence
 *   and decides, `cat, dog: no.` (asked value, the story's value for that slot, yes/no), then
 *   `So the overall score is N`.
 * - Test labels are the mean of three noisy annotators (each off by one with probability 0.3),
 *   as Vicuna/MT-Bench labels are means of three GPT-4 scores.
 * - The out-of-domain test split asks only about values that never occur in training data (v3: two
 *   held-out values per slot, used as both the asked value and the unmet distractor), as Feedback
 *   Bench uses unseen rubrics.
 *
 * No shortcut: every rubric slot always has a sentence (the asked value when met, another value
 * of the same slot when not), the fifth slot's sentence is present at random, and names vary, so
 * the story's length and which slots it mentions carry no information about the score
 * (`test/data/tinyJudge.test.ts` checks |r| < 0.1). Only matching criteria against the story does.
 * Reasoning helps because the CoT turns one hard decision (count matches across 4 pairs at once)
 * into steps a small model can take: find the story's value for the asked slot, compare two words
 * that now stand side by side, and finally count yes clauses that are right there in the context.
 *
 * Deterministic by seed.
 *
 * @module data/tinyJudge
 */
import { Rng } from '../engine/rng';

/** The five slots and their values; the last two of each (v3) are held out of in-domain data. */
export const SLOTS = {
  animal: ['dog', 'cat', 'bird', 'fish', 'frog'],
  place: ['park', 'garden', 'forest', 'beach', 'school'],
  feeling: ['happy', 'sad', 'tired', 'scared', 'angry'],
  weather: ['sunny', 'rainy', 'windy', 'snowy', 'cold'],
  object: ['ball', 'kite', 'cake', 'box', 'car'],
} as const;
export type Slot = keyof typeof SLOTS;
export const SLOT_ORDER: Slot[] = ['animal', 'place', 'feeling', 'weather', 'object'];
const NAMES = ['Tom', 'Lily', 'Ben', 'Sue', 'Max', 'Anna', 'Sam', 'Mia'];

/** Number of criteria per rubric. */
export const K = 4;

const SENTENCE: Record<Slot, (name: string, v: string) => string> = {
  animal: (n, v) => `${n} has a ${v}.`,
  place: (n, v) => `${n} is at the ${v}.`,
  feeling: (n, v) => `${n} feels ${v}.`,
  weather: (_n, v) => `It is ${v}.`,
  object: (n, v) => `${n} plays with a ${v}.`,
};
const QUESTION: Record<Slot, (v: string) => string> = {
  animal: (v) => `Is there a ${v}?`,
  place: (v) => `Is it at the ${v}?`,
  feeling: (v) => `Is someone ${v}?`,
  weather: (v) => `Is it ${v}?`,
  object: (v) => `Is there a ${v}?`,
};

/** The task line, the rubric's score descriptions, and the prompt endings. */
export const TINYJUDGE_TEMPLATE = {
  taskWithFeedback: 'Judge the story. Check each item, then give a score.',
  taskScoreOnly: 'Judge the story. Give a score.',
  scoreDescriptions: 'Score: 1 plus the items met.',
  storyHeader: 'Story:',
  rubricHeader: 'Items:',
  feedbackHeader: 'Feedback:',
  scoreHeader: 'Score:',
};

/** One rubric criterion and whether the story meets it. */
export interface Criterion {
  slot: Slot;
  value: string;
  met: boolean;
}

/** Splits of the benchmark. */
export type TinyJudgeSplit = 'train' | 'val' | 'test' | 'test-ood';

/** One judge example. */
export interface TinyJudgeExample {
  id: string;
  split: TinyJudgeSplit;
  /** The response to judge. */
  story: string;
  criteria: Criterion[];
  /** Prompt for CoT methods (ends with "Feedback:"). */
  prompt: string;
  /** Prompt for score-only methods (ends with "Score:"). */
  promptScoreOnly: string;
  /** The annotation CoT: one clause per criterion, e.g. "cat, dog: no. rainy, rainy: yes. ...". */
  referenceCot: string;
  /**
   * The integer training score: 1 + number of criteria met (v2, v3; and the true score of v4 test
   * items); v4 training and validation items: the reference annotator's score, 1 + the yes decisions
   * of `referenceCot`, slips included.
   */
  goldExact: number;
  /** Label used for training and evaluation: goldExact for train/val, mean of annotators for tests. */
  label: number;
  /** The three annotators' scores (tests only). */
  annotators: number[];
  /** v4: decisions of `referenceCot` that contradict its own evidence (the reference annotator's slips). */
  slips: number;
}

/** Sizes and seed of a generated benchmark. */
export interface TinyJudgeConfig {
  seed: number | string;
  train: number;
  val: number;
  test: number;
  testOod: number;
  /** Probability that an annotator is off by one (tests). */
  annotatorNoise: number;
  /**
   * Generator version. 'v3' (default) holds out two values per slot: in-domain stories never contain
   * them, and out-of-domain items ask about one while the unmet story value is the other, so the
   * presence of unseen words says nothing about the score. 'v2' held out one value per slot and let
   * it appear in training stories only as an unmet distractor: a lexical shortcut (held-out words
   * present ⇒ items unmet, r = −0.48 with the score on train, +0.97 on the OOD split), kept only to
   * reproduce results made with it (docs/results.md).
   */
  generator: TinyJudgeGenerator;
  /**
   * v4 only: the probability that an annotator's decision on an item contradicts the evidence it cites
   * (a slip); the annotator's score follows its own decisions. 0 gives references a judge can copy
   * exactly (as v3); larger values give the reference feedback a judge can reproduce only in part.
   * See docs/tinyjudge.md, "v4".
   */
  shift: number;
}

/** The generator versions: v2 and v3 only to reproduce results made with them; v4 adds annotator slips. */
export const TINYJUDGE_GENERATORS = ['v2', 'v3', 'v4'] as const;
/** A generator version. */
export type TinyJudgeGenerator = (typeof TINYJUDGE_GENERATORS)[number];

export const DEFAULT_TINYJUDGE: Readonly<TinyJudgeConfig> = Object.freeze({
  seed: 'tinyjudge-v3',
  generator: 'v3' as const,
  train: 3000,
  val: 200,
  test: 300,
  testOod: 300,
  annotatorNoise: 0.3,
  shift: 0,
});

/**
 * The clause the annotation CoT writes for a criterion: the asked value, the story's value for that
 * slot (the evidence), then the decision: `cat, dog: no.` / `sunny, sunny: yes.`
 */
export function clause(c: Criterion, storyValue: string): string {
  return `${c.value}, ${storyValue}: ${c.met ? 'yes' : 'no'}.`;
}

/** Values a rubric may ask about in domain, and the held-out ones (the last one or two of a slot). */
export function slotValues(slot: Slot, generator: TinyJudgeGenerator): { inDomain: string[]; heldOut: string[] } {
  const values = [...SLOTS[slot]];
  const h = generator === 'v2' ? 1 : 2;
  return { inDomain: values.slice(0, values.length - h), heldOut: values.slice(values.length - h) };
}

/**
 * Generates one example. `ood` asks only about held-out values. The draws from `rng` come in a fixed order (name,
 * skipped slot, number met, which are met, each criterion's value and story value, the skipped slot's sentence,
 * the annotators), so a seed gives the same data byte for byte.
 */
function makeExample(
  rng: Rng,
  id: string,
  split: TinyJudgeSplit,
  ood: boolean,
  config: Pick<TinyJudgeConfig, 'annotatorNoise' | 'generator' | 'shift'>,
): TinyJudgeExample {
  const drawn = drawStory(rng, ood, config.generator);
  const { story, criteria } = drawn;
  const T = TINYJUDGE_TEMPLATE;
  const rubric = `${T.rubricHeader} ${criteria.map((c, i) => `${i + 1}. ${QUESTION[c.slot](c.value)}`).join(' ')}`;
  const body = `${T.storyHeader} ${story}\n${rubric}\n${T.scoreDescriptions}`;
  const isTest = split === 'test' || split === 'test-ood';
  const prompts = {
    prompt: `${T.taskWithFeedback}\n${body}\n${T.feedbackHeader}`,
    promptScoreOnly: `${T.taskScoreOnly}\n${body}\n${T.scoreHeader}`,
  };
  const annotations =
    config.generator === 'v4'
      ? annotateV4(rng.fork(`v4-annotators/${id}`), drawn, isTest, config.shift)
      : annotateTruth(rng, drawn, isTest, config.annotatorNoise);
  return { id, split, story, criteria, ...prompts, ...annotations };
}

/** What {@link drawStory} draws: the story, its rubric's criteria, how many are met and the story's values. */
interface DrawnStory {
  story: string;
  criteria: Criterion[];
  /** Criteria met. */
  m: number;
  /** The value the story gives each asked slot. */
  storyValue: Map<Slot, string>;
}

/** The annotators' part of an example. */
type Annotations = Pick<TinyJudgeExample, 'referenceCot' | 'goldExact' | 'label' | 'annotators' | 'slips'>;

/** Draws an example's story and rubric (name, skipped slot, number met, which are met, values, story). */
function drawStory(rng: Rng, ood: boolean, generator: TinyJudgeGenerator): DrawnStory {
  const name = NAMES[rng.int(NAMES.length)];
  const skipped = SLOT_ORDER[rng.int(SLOT_ORDER.length)]; // the slot the rubric does not ask about
  const asked = SLOT_ORDER.filter((s) => s !== skipped);
  const m = rng.int(K + 1); // criteria met, uniform 0..K
  const metSet = new Set(rng.shuffle(asked).slice(0, m));
  const criteria: Criterion[] = [];
  const storyValue = new Map<Slot, string>();
  for (const slot of asked) {
    const { value, others } = askedValue(rng, slot, ood, generator);
    const met = metSet.has(slot);
    criteria.push({ slot, value, met });
    storyValue.set(slot, met ? value : others[rng.int(others.length)]);
  }
  return { story: tellStory(rng, name, skipped, storyValue, generator), criteria, m, storyValue };
}

/** The label: the annotators' mean score, or `fallback` for an item no annotator graded (train, val). */
function meanLabel(annotators: number[], fallback: number): number {
  return annotators.length ? annotators.reduce((a, b) => a + b, 0) / annotators.length : fallback;
}

/**
 * v4: one annotator writes each reference; three more grade each test item, each with its own slips (drawn from
 * `arng`, the example's own stream, so the stories and rubrics of training items are v3's for the same seed).
 */
function annotateV4(arng: Rng, drawn: DrawnStory, isTest: boolean, shift: number): Annotations {
  const { criteria, m, storyValue } = drawn;
  const ref = annotatorDecisions(arng, criteria, shift);
  const graders = isTest ? [0, 1, 2].map(() => annotatorDecisions(arng, criteria, shift)) : [];
  const annotators = graders.map((d) => 1 + d.filter(Boolean).length);
  const refScore = 1 + ref.filter(Boolean).length;
  return {
    referenceCot: criteria.map((c, i) => clause({ ...c, met: ref[i] }, storyValue.get(c.slot) as string)).join(' '),
    goldExact: isTest ? 1 + m : refScore,
    label: meanLabel(annotators, refScore),
    annotators,
    slips: ref.filter((d, i) => d !== criteria[i].met).length,
  };
}

/** v1-v3: the reference CoT tells the truth; test items get noisy annotator scores around it. */
function annotateTruth(rng: Rng, drawn: DrawnStory, isTest: boolean, annotatorNoise: number): Annotations {
  const { criteria, m, storyValue } = drawn;
  const goldExact = 1 + m;
  const annotators = isTest ? annotate(rng, goldExact, annotatorNoise) : [];
  return {
    referenceCot: criteria.map((c) => clause(c, storyValue.get(c.slot) as string)).join(' '),
    goldExact,
    label: meanLabel(annotators, goldExact),
    annotators,
    slips: 0,
  };
}

/**
 * v4: one annotator's decision on each criterion, the truth flipped with probability `shift` (a slip:
 * the decision contradicts the evidence the annotator cites). The annotator's score is 1 + its yes decisions.
 */
function annotatorDecisions(rng: Rng, criteria: readonly Criterion[], shift: number): boolean[] {
  return criteria.map((c) => (rng.uniform() < shift ? !c.met : c.met));
}

/**
 * The value a criterion asks about for `slot`, and the values the story may hold instead when the criterion is
 * not met (v3: in-domain values in domain; out of domain, the other held-out value, so unseen words appear
 * either way).
 */
function askedValue(
  rng: Rng,
  slot: Slot,
  ood: boolean,
  generator: TinyJudgeGenerator,
): { value: string; others: string[] } {
  const { inDomain, heldOut } = slotValues(slot, generator);
  // widened: TypeScript 5.0 (tslab) cannot call filter on a union of tuples
  const values: readonly string[] = SLOTS[slot];
  if (generator === 'v2') {
    const value = ood ? values[values.length - 1] : values[rng.int(values.length - 1)];
    return { value, others: values.filter((v) => v !== value) };
  }
  if (ood) {
    const value = heldOut[rng.int(heldOut.length)];
    return { value, others: heldOut.filter((v) => v !== value) };
  }
  const value = inDomain[rng.int(inDomain.length)];
  return { value, others: inDomain.filter((v) => v !== value) };
}

/** The story: one sentence per asked slot, and a sentence about the skipped slot half of the time. */
function tellStory(
  rng: Rng,
  name: string,
  skipped: Slot,
  storyValue: ReadonlyMap<Slot, string>,
  generator: TinyJudgeGenerator,
): string {
  const sentences: string[] = [];
  for (const slot of SLOT_ORDER) {
    if (slot === skipped) {
      const pool = generator === 'v2' ? [...SLOTS[slot]] : slotValues(slot, generator).inDomain;
      if (rng.uniform() < 0.5) sentences.push(SENTENCE[slot](name, pool[rng.int(pool.length)]));
      continue;
    }
    sentences.push(SENTENCE[slot](name, storyValue.get(slot)!));
  }
  return sentences.join(' ');
}

/** Three annotators' scores: each is the gold score, or off by one (clamped to 1..5) with probability `noise`. */
function annotate(rng: Rng, goldExact: number, noise: number): number[] {
  return [0, 1, 2].map(() => {
    if (rng.uniform() >= noise) return goldExact;
    return Math.min(5, Math.max(1, goldExact + (rng.uniform() < 0.5 ? -1 : 1)));
  });
}

/** The generated benchmark: every split, deterministic by `config.seed`. */
export interface TinyJudgeData {
  config: TinyJudgeConfig;
  train: TinyJudgeExample[];
  val: TinyJudgeExample[];
  test: TinyJudgeExample[];
  testOod: TinyJudgeExample[];
}

/**
 * Generates TinyJudge.
 * @example
 * ```ts
 * const data = generateTinyJudge({ train: 2000 });
 * data.train[0].prompt; // "Judge the story. ...\nFeedback:"
 * ```
 */
export function generateTinyJudge(overrides: Partial<TinyJudgeConfig> = {}): TinyJudgeData {
  const config = { ...DEFAULT_TINYJUDGE, ...overrides };
  for (const k of ['train', 'val', 'test', 'testOod'] as const) {
    if (!Number.isInteger(config[k]) || config[k] < 0)
      throw new Error(`TinyJudge: ${k} must be a non-negative integer, got ${config[k]}`);
  }
  if (!(config.annotatorNoise >= 0 && config.annotatorNoise <= 1))
    throw new Error(`TinyJudge: annotatorNoise must be in [0, 1]`);
  if (!(TINYJUDGE_GENERATORS as readonly string[]).includes(config.generator))
    throw new Error(`TinyJudge: unknown generator '${String(config.generator)}' (${TINYJUDGE_GENERATORS.join(', ')})`);
  if (!(config.shift >= 0 && config.shift <= 1))
    throw new Error(`TinyJudge: shift must be in [0, 1], got ${config.shift}`);
  if (config.shift > 0 && config.generator !== 'v4') {
    throw new Error(`TinyJudge: shift ${config.shift} needs generator v4 (got ${config.generator})`);
  }
  const root = new Rng(config.seed);
  const make = (split: TinyJudgeSplit, n: number, ood: boolean) => {
    const rng = root.fork(split);
    return Array.from({ length: n }, (_, i) => makeExample(rng, `${split}-${i}`, split, ood, config));
  };
  return {
    config,
    train: make('train', config.train, false),
    val: make('val', config.val, false),
    test: make('test', config.test, false),
    testOod: make('test-ood', config.testOod, true),
  };
}

/** Result of checking a CoT's clauses against the truth. */
export interface ClauseCheck {
  /** Clauses whose yes/no matches the truth. */
  correct: number;
  /** Criteria in the rubric. */
  total: number;
  /** True when the CoT has exactly one well-formed clause per criterion, in order. */
  wellFormed: boolean;
}

/**
 * Clause accuracy of a CoT: for each criterion, is there a clause `value, evidence: yes|no.` with
 * the right decision? A missing clause counts as wrong (the evidence word is not graded).
 */
export function checkClauses(cot: string, criteria: readonly Criterion[]): ClauseCheck {
  const found = [...cot.matchAll(/([a-z]+), [a-z]+: (yes|no)\./g)].map((m) => ({ value: m[1], yes: m[2] === 'yes' }));
  let correct = 0;
  criteria.forEach((c, i) => {
    const hit = found[i]?.value === c.value ? found[i] : found.find((f) => f.value === c.value);
    if (hit && hit.yes === c.met) correct++;
  });
  const wellFormed = found.length === criteria.length && found.every((f, i) => f.value === criteria[i].value);
  return { correct, total: criteria.length, wellFormed };
}
