/**
 * What a notebook imports (`import { ... } from './src/notebook'`): suites read back or computed,
 * readings, analyses and display. Notebooks stay thin over these.
 *
 * @module notebook
 */
export * from './analyses';
export * from './display';
export * from './readings';
export * from './suites';
export { suiteOutDir } from '../results/paths';
export * from './stage2Help';
export * from './remoteJudge';
export * from './paperAgreement';
export * from './plateaus';
