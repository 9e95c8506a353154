/** The scikit-learn fixtures of test/fixtures/ranking (make_ranking_fixtures.py) and helpers the ranking, calibration and bootstrap tests share. */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { argMax } from '../../src/shared/format';
import { computeMetrics } from '../../src/engine/metrics/metrics';
import type { EvalInput } from '../../src/engine/metrics/index';

export interface Curve { [k: string]: (number | null)[] }
export interface OpPoint { tp: number; fp: number; fn: number; tn: number; sensitivity: number; specificity: number; ppv: number; npv: number }
export interface RankingFixture {
  name: string;
  generator: string;
  classes: string[];
  yTrue: number[];
  probabilities: number[][];
  validation?: { yTrue: number[]; probabilities: number[][] };
  expected: {
    perClass: { positives: number; negatives: number; roc: Curve | null; auc: number | null; pr: Curve | null; prFullLength?: number; ap: number | null }[];
    macroAuc: number | null; weightedAuc: number | null; microAuc: number | null;
    macroAp: number | null; weightedAp: number; microAp: number;
    operatingPointsArgmax: OpPoint[];
    operatingPointsThreshold: (OpPoint & { positive: number; threshold: number })[];
    cohenKappa: number | null; logLoss: number; brier: number;
    calibration: { ece: number; bins: { count: number; confidence: number | null; accuracy: number | null }[] };
    temperature?: { temperature: number; calibratedFirstRows: number[][]; logLossAfter: number; calibrationAfter: { ece: number } };
  };
}

export const FIXTURES = path.resolve(__dirname, '../fixtures/ranking');
export const fixtures: RankingFixture[] = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(path.join(FIXTURES, f), 'utf8')) as RankingFixture);

export const TOL = 1e-12;
export function close(actual: number | null | undefined, expected: number | null, what: string, tol = TOL): void {
  if (expected === null) {
    assert.equal(actual, null, `${what}: sklearn has none (n/a), got ${actual}`);
    return;
  }
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= tol, `${what}: ${actual} vs sklearn ${expected}`);
}
export function closeArray(actual: readonly number[], expected: readonly (number | null)[], what: string, nullIs = NaN): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs sklearn ${expected.length}`);
  expected.forEach((e, i) => {
    const want = e === null ? nullIs : e;
    assert.ok(Object.is(actual[i], want) || Math.abs(actual[i] - want) <= TOL, `${what}[${i}]: ${actual[i]} vs sklearn ${want}`);
  });
}

export function inputOf(fx: Pick<RankingFixture, 'yTrue' | 'probabilities' | 'classes'>): EvalInput {
  const predicted = fx.probabilities.map(argMax);
  return { labels: fx.yTrue, predicted, probabilities: fx.probabilities, confusion: computeMetrics(fx.yTrue, predicted, fx.classes).confusion, classes: fx.classes };
}
