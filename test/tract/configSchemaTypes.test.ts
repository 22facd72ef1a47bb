import { strict as assert } from 'node:assert';
import type { z } from 'zod';
import type { ExperimentConfig } from '../../src/results/formats';
import type { EXPERIMENT_SCHEMA, SUITE_SCHEMA } from '../../src/tract/configSchema';
import type { SuiteFile } from '../../src/tract/suite';

/** True when A and B are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Fails to compile (npm run typecheck, strict) when the schemas and the types they check drift apart. It
// lives here, not in src/, because tslab's non-strict TypeScript 5.0 infers zod's output types differently.
const SCHEMAS_MATCH_TYPES: Same<z.output<typeof EXPERIMENT_SCHEMA>, ExperimentConfig> &
  Same<z.output<typeof SUITE_SCHEMA>, SuiteFile> = true;

describe('tract/configSchema types', () => {
  it('the schemas output exactly the config types (checked at compile time)', () => {
    assert.equal(SCHEMAS_MATCH_TYPES, true);
  });
});
