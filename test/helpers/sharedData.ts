import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** `../shared` beside the repository: real X-rays and weights, read in place, never copied. */
export const SHARED = path.resolve(__dirname, '../../../shared');
export const SHARED_CXR = path.join(SHARED, 'data/cxr');

/**
 * A test's `skip` value for a path under ../shared: false when it is there, else the reason. Skipping is
 * right on a laptop without it; in CI (CI=true) ../shared is always there, so a missing one also adds a
 * failing test — a green CI must mean the tests that read real data ran.
 */
export function skipUnlessShared(p: string): string | false {
  if (existsSync(p)) return false;
  const reason = `${p} is absent (../shared beside the repository)`;
  if (process.env.CI === 'true') {
    test(`CI has ${path.relative(SHARED, p) || '../shared'}`, () => {
      assert.fail(`${reason}; CI=true, where ../shared is always present, so the tests that read it must run, not skip.`);
    });
  }
  return reason;
}
