/**
 * Numeric and shape assertions shared by the library (runtime shape checks with argument names)
 * and the tests (`assertClose`, the one tolerance helper every numeric test uses).
 *
 * @module engine/asserts
 */
import type * as tf from '@tensorflow/tfjs';

/** A number, a (nested) array of numbers, a typed array, or a TF.js tensor (read synchronously). */
export type Numeric = number | ArrayLike<number> | NestedNumbers | tf.Tensor;
interface NestedNumbers extends ReadonlyArray<number | NestedNumbers> {}

/** Tolerances of {@link assertClose}; the rule is numpy's `|a − e| ≤ atol + rtol·|e|`. */
export interface CloseOptions {
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance, relative to the expected value (default 1e-6). */
  rtol?: number;
  /** Treat NaN in both places as equal (default false, as numpy). */
  equalNan?: boolean;
  /** Prefix for the error message. */
  message?: string;
}

function isTensor(v: unknown): v is tf.Tensor {
  return typeof v === 'object' && v !== null && 'dataSync' in v && 'shape' in v;
}

/** Flattens a numeric value to a shape and a flat list of numbers. */
function flatten(value: Numeric, what: string): { shape: number[]; data: number[] } {
  if (typeof value === 'number') return { shape: [], data: [value] };
  if (isTensor(value)) return { shape: value.shape.slice(), data: Array.from(value.dataSync()) };
  const arr = value as ArrayLike<unknown>;
  if (typeof arr.length !== 'number') throw new TypeError(`assertClose: ${what} is not numeric`);
  if (arr.length === 0) return { shape: [0], data: [] };
  if (typeof arr[0] === 'number') {
    const data: number[] = [];
    for (let i = 0; i < arr.length; i++) {
      if (typeof arr[i] !== 'number') throw new TypeError(`assertClose: ${what}[${i}] is not a number`);
      data.push(arr[i] as number);
    }
    return { shape: [arr.length], data };
  }
  let inner: number[] | undefined;
  const data: number[] = [];
  for (let i = 0; i < arr.length; i++) {
    const sub = flatten(arr[i] as Numeric, `${what}[${i}]`);
    if (inner === undefined) inner = sub.shape;
    else if (inner.join(',') !== sub.shape.join(',')) {
      throw new TypeError(`assertClose: ${what} is ragged at index ${i}`);
    }
    data.push(...sub.data);
  }
  return { shape: [arr.length, ...(inner ?? [])], data };
}

/**
 * Asserts that `actual` equals `expected` elementwise within `atol + rtol·|expected|`.
 * Shapes must match exactly. Throws an `Error` naming the worst element, both values, its
 * difference and the allowed tolerance.
 *
 * @example
 * ```ts
 * assertClose(raftLoss(logits, ids, gold), (1 + 0.09) / 2, { atol: 1e-6 });
 * ```
 */
export function assertClose(actual: Numeric, expected: Numeric, options: CloseOptions = {}): void {
  const { atol = 1e-6, rtol = 1e-6, equalNan = false, message } = options;
  if (!(atol >= 0) || !(rtol >= 0)) throw new RangeError('assertClose: atol and rtol must be >= 0');
  const prefix = message ? `${message}: ` : '';
  const a = flatten(actual, 'actual');
  const e = flatten(expected, 'expected');
  if (a.shape.join(',') !== e.shape.join(',')) {
    throw new Error(`${prefix}shape mismatch: actual [${a.shape}] vs expected [${e.shape}]`);
  }
  let worst = -1;
  let worstExcess = 0;
  let failures = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i];
    const y = e.data[i];
    let excess: number;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      excess = Number.isNaN(x) && Number.isNaN(y) && equalNan ? 0 : Infinity;
    } else if (x === y) {
      excess = 0; // covers equal infinities
    } else {
      excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
      if (Number.isNaN(excess)) excess = Infinity; // an infinity against a finite value
    }
    if (excess > 0) {
      failures++;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (failures > 0) {
    const x = a.data[worst];
    const y = e.data[worst];
    const where = a.shape.length === 0 ? '' : ` (worst at flat index ${worst})`;
    throw new Error(
      `${prefix}${failures} of ${a.data.length} values not close${where}: actual ${x}, expected ${y}, ` +
        `|diff| ${Math.abs(x - y)} > atol ${atol} + rtol ${rtol} * |expected|`,
    );
  }
}

/**
 * Asserts the shape of a tensor argument; `null` in `expected` matches any size.
 * @param name the argument's name, used in the error message.
 */
export function assertShape(t: tf.Tensor, expected: ReadonlyArray<number | null>, name: string): void {
  const ok = t.shape.length === expected.length && expected.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    const want = expected.map((d) => (d === null ? '*' : String(d))).join(', ');
    throw new Error(`${name}: expected shape [${want}], got [${t.shape.join(', ')}]`);
  }
}
