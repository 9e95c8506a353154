import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A test file whose one test needs a ../shared path that does not exist. */
async function runMissingSharedTest(env: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-shared-'));
  const file = path.join(dir, 'needsShared.test.ts');
  const helper = path.resolve(__dirname, '../helpers/sharedData.ts');
  await fs.writeFile(file, `import { test } from 'node:test';
import { skipUnlessShared } from ${JSON.stringify(helper)};
test('reads real data', { skip: skipUnlessShared(${JSON.stringify(path.join(dir, 'absent'))}) }, () => {});
`);
  // Without NODE_TEST_CONTEXT the child is a test run of its own, not a subtest of this one.
  const { NODE_TEST_CONTEXT: _ctx, ...own } = env;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', file], { env: own, encoding: 'utf8', cwd: path.resolve(__dirname, '../..') });
  await fs.rm(dir, { recursive: true, force: true });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('a test that needs ../shared skips with the reason outside CI', async () => {
  const { CI: _ci, ...env } = process.env;
  const r = await runMissingSharedTest(env);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /# skipped 1/);
  assert.match(r.out, /is absent \(\.\.\/shared beside the repository\)/);
});

test('in CI (CI=true) the same skip fails the run', async () => {
  const r = await runMissingSharedTest({ ...process.env, CI: 'true' });
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /# fail 1/);
  assert.match(r.out, /CI=true, where \.\.\/shared is always present/);
});
