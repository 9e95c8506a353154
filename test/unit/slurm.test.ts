/**
 * The Slurm executor's pure parts: parsing squeue / scontrol output (lines as Slurm 22.05 prints them), the state of a
 * run from its folder and Slurm, sbatch option checks and arguments, the batch script. The real cluster is
 * test/slurm/slurm.test.ts.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeSlurmState, parseScontrol, parseScontrolLine, parseSqueue, slurmPhase } from '../../src/shared/slurm/jobState';
import { slurmRunView } from '../../src/shared/slurm/runState';
import { mergeSbatchOptions } from '../../src/shared/slurm/settings';
import type { SlurmJobFile } from '../../src/shared/runFiles';
import { checkSbatchOptions, sbatchArgs } from '../../src/engine/slurm/sbatchOptions';
import { batchScript, shellQuote } from '../../src/engine/slurm/batchScript';
import { readSlurmSettings } from '../../src/engine/slurm/settingsFile';
import { ConfigError } from '../../src/engine/errors';

// Lines as `squeue -h -t all -o '%i|%T|%r|%N|%S|%e'` printed them on the test cluster.
const SQUEUE = [
  '4|CANCELLED|JobHeldUser||2026-11-29T23:57:41|2026-11-29T23:57:41',
  '1|COMPLETED|None|vm|2026-11-29T23:54:30|2026-11-29T23:54:32',
  '6|PENDING|BeginTime||N/A|N/A',
  '8|RUNNING|None|vm|2026-11-30T00:03:16|NONE',
  '9|OUT_OF_MEMORY|OutOfMemory|vm|2026-11-30T00:03:16|2026-11-30T00:04:16',
  '',
  'garbage line',
].join('\n');

// One line of `scontrol show job --oneliner 3` (shortened), with a Command that holds spaces.
const SCONTROL = 'JobId=3 JobName=j.sh UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901757 Nice=0 Account=(null) QOS=(null) '
  + 'JobState=TIMEOUT Reason=TimeLimit Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:15 RunTime=00:01:00 '
  + 'StartTime=2026-11-29T23:57:00 EndTime=2026-11-29T23:58:00 NodeList=vm BatchHost=vm ReqB:S:C:T=0:0:*:* '
  + 'Command=/data/my runs/job.sh WorkDir=/work/main StdOut=/tmp/out-3.txt Power=';

describe('Slurm job states', () => {
  test('squeue lines: state, phase, reason (None dropped), node, times; bad lines skipped', () => {
    const jobs = parseSqueue(SQUEUE);
    assert.deepEqual(jobs.map((j) => [j.jobId, j.phase, j.reason ?? '-', j.nodes ?? '-']), [
      ['4', 'cancelled', 'JobHeldUser', '-'], ['1', 'completed', '-', 'vm'], ['6', 'pending', 'BeginTime', '-'],
      ['8', 'running', '-', 'vm'], ['9', 'failed', 'OutOfMemory', 'vm'],
    ]);
    assert.equal(jobs[3].endTime, undefined, 'NONE is no end time');
    assert.equal(jobs[1].startTime, '2026-11-29T23:54:30');
    assert.equal(describeSlurmState(jobs[2]), 'pending (BeginTime)');
    assert.equal(describeSlurmState(jobs[3]), 'running on vm');
    assert.equal(describeSlurmState(jobs[4]), 'failed (out of memory)');
  });

  test('scontrol --oneliner: key=value pairs, values with spaces, the job state', () => {
    const kv = parseScontrolLine(SCONTROL);
    assert.equal(kv.Command, '/data/my runs/job.sh');
    assert.equal(kv['ReqB:S:C:T'], '0:0:*:*');
    assert.equal(kv.Power, '');
    const [job] = parseScontrol(`${SCONTROL}\n`);
    assert.deepEqual({ id: job.jobId, phase: job.phase, reason: job.reason, exit: job.exitCode, nodes: job.nodes }, { id: '3', phase: 'timeout', reason: 'TimeLimit', exit: '0:15', nodes: 'vm' });
  });

  test('every state Slurm documents has a phase; unknown words are failures, "CANCELLED by 0" is cancelled', () => {
    const expect: Record<string, string> = {
      PENDING: 'pending', REQUEUED: 'pending', REQUEUE_HOLD: 'pending', CONFIGURING: 'running', RUNNING: 'running', COMPLETING: 'running',
      SUSPENDED: 'suspended', COMPLETED: 'completed', FAILED: 'failed', BOOT_FAIL: 'failed', OUT_OF_MEMORY: 'failed', CANCELLED: 'cancelled',
      TIMEOUT: 'timeout', DEADLINE: 'timeout', PREEMPTED: 'preempted', NODE_FAIL: 'node_fail', 'CANCELLED by 0': 'cancelled', WEIRD: 'failed',
    };
    for (const [state, phase] of Object.entries(expect)) assert.equal(slurmPhase(state), phase, state);
  });
});

describe('the state of a Slurm run', () => {
  const file = (o: Partial<SlurmJobFile> = {}): SlurmJobFile => ({
    format: 1, dataset: '/d', config: { arch: 'resnet18' }, attempts: [],
    submissions: [{ jobId: '12', submittedAt: '2026-11-30T00:00:00Z', options: [], log: '/r/slurm-12.log' }], ...o,
  });
  const attempt = (o: Partial<SlurmJobFile['attempts'][number]> = {}) => ({ jobId: '12', restart: 0, host: 'n1', startedAt: '2026-11-30T00:01:00Z', ...o });
  const live = (state: string, reason?: string) => ({ ...parseSqueue(`12|${state}|${reason ?? 'None'}|n1|N/A|N/A`)[0] });

  test('while Slurm knows the job: pending with its reason, running, and cancel applies', () => {
    const p = slurmRunView(file(), undefined, live('PENDING', 'Priority'), true);
    assert.deepEqual([p.status, p.reason, p.cancellable, p.resumable], ['pending', 'Priority', true, false]);
    assert.match(p.phrase, /pending \(Priority\) \(job 12\)/);
    const r = slurmRunView(file({ attempts: [attempt()] }), { status: 'running' }, live('RUNNING'), true);
    assert.deepEqual([r.status, r.slurmState, r.cancellable], ['running', 'RUNNING', true]);
  });

  test('how Slurm says it ended: time limit, preemption and node failure are resumable; a failure names its log', () => {
    assert.equal(slurmRunView(file({ attempts: [attempt({ exitCode: 143 })] }), { status: 'cancelled' }, live('TIMEOUT', 'TimeLimit'), true).status, 'timeout');
    assert.equal(slurmRunView(file(), undefined, live('PREEMPTED'), true).resumable, true);
    const f = slurmRunView(file({ attempts: [attempt({ exitCode: 1 })] }), { status: 'failed', error: 'Out of data.' }, live('FAILED', 'NonZeroExitCode'), true);
    assert.equal(f.status, 'failed');
    assert.match(f.phrase, /Out of data; log: \/r\/slurm-12\.log/);
    const c = slurmRunView(file(), undefined, live('CANCELLED'), true);
    assert.deepEqual([c.status, c.resumable, c.cancellable], ['cancelled', true, false]);
    assert.match(c.phrase, /before it started/);
  });

  test('once Slurm forgot the job the folder decides: run.json, else the exit code, else never started = cancelled', () => {
    assert.equal(slurmRunView(file({ attempts: [attempt({ exitCode: 1 })] }), { status: 'completed' }, undefined, true).status, 'completed');
    assert.equal(slurmRunView(file({ attempts: [attempt({ endedAt: 'x', exitCode: 0 })] }), undefined, undefined, true).status, 'completed');
    assert.equal(slurmRunView(file({ attempts: [attempt({ endedAt: 'x', exitCode: 143 })] }), { status: 'cancelled' }, undefined, true).status, 'cancelled');
    assert.equal(slurmRunView(file({ attempts: [attempt({ endedAt: 'x', exitCode: 2 })] }), undefined, undefined, true).status, 'failed');
    assert.equal(slurmRunView(file({ attempts: [attempt()] }), { status: 'running' }, undefined, true).status, 'interrupted');
    const gone = slurmRunView(file(), undefined, undefined, true);
    assert.deepEqual([gone.status, gone.resumable], ['cancelled', true]);
    assert.equal(slurmRunView(file({ cancelledAt: '2026-11-30T00:00:30Z' }), undefined, undefined, false).status, 'cancelled');
    assert.equal(slurmRunView(file(), undefined, undefined, false).status, 'unknown', 'no Slurm to ask, no record: not guessed');
  });

  test('a resubmitted run follows its newest job only', () => {
    const f = file({
      submissions: [...file().submissions, { jobId: '13', submittedAt: '2026-11-30T01:00:00Z', options: [], log: '/r/slurm-13.log' }],
      attempts: [attempt({ endedAt: 'x', exitCode: 143 })],
    });
    const v = slurmRunView(f, { status: 'cancelled' }, undefined, true);
    assert.deepEqual([v.jobId, v.status, v.log], ['13', 'cancelled', '/r/slurm-13.log']);
  });
});

describe('sbatch options', () => {
  test('flags override the settings file; undefined flags keep it', () => {
    assert.deepEqual(mergeSbatchOptions({ partition: 'gpu', mem: '16G', requeue: true }, { mem: '32G', partition: undefined, requeue: false }),
      { partition: 'gpu', mem: '32G', requeue: false });
  });

  test('arguments in a fixed order', () => {
    assert.deepEqual(sbatchArgs({ time: '4:00:00', gres: 'gpu:1', partition: 'p', cpus: 8, mem: '32G', account: 'a', requeue: true }, ['--qos=long']), [
      '--partition=p', '--account=a', '--gres=gpu:1', '--cpus-per-task=8', '--mem=32G', '--time=4:00:00', '--requeue', '--qos=long',
    ]);
  });

  test('Slurm syntax is checked before anything is submitted, naming the flag', () => {
    for (const ok of [{ time: '90' }, { time: '1-12:00:00' }, { time: '4:00:00' }, { mem: '16000' }, { mem: '32G' }, { gres: 'gpu:a100:2' }, { gres: 'gpu:1,nvme:1' }]) checkSbatchOptions(ok);
    const bad: [object, RegExp][] = [
      [{ time: '4h' }, /^--time must be a Slurm time limit/], [{ mem: 'lots' }, /^--mem must be a memory size/],
      [{ gres: 'gpu 1' }, /^--gres must be/], [{ cpus: 0 }, /^--cpus must be a whole number/], [{ partition: 'a b' }, /^--partition must be/],
    ];
    for (const [o, re] of bad) assert.throws(() => checkSbatchOptions(o), (e: Error) => e instanceof ConfigError && re.test(e.message), JSON.stringify(o));
  });

  test('.cxr-lab/slurm.json: absent = no defaults, an unknown key or a wrong type is named', async () => {
    const ws = mkdtempSync(path.join(os.tmpdir(), 'cxr-slurm-settings-'));
    assert.deepEqual(await readSlurmSettings(ws), {});
    execFileSync('mkdir', ['-p', path.join(ws, '.cxr-lab')]);
    writeFileSync(path.join(ws, '.cxr-lab', 'slurm.json'), JSON.stringify({ partition: 'gpu', cpus: 8, setup: ['module load nodejs'] }));
    assert.deepEqual(await readSlurmSettings(ws), { partition: 'gpu', cpus: 8, setup: ['module load nodejs'] });
    writeFileSync(path.join(ws, '.cxr-lab', 'slurm.json'), JSON.stringify({ partiton: 'gpu' }));
    await assert.rejects(readSlurmSettings(ws), /unknown setting "partiton"/);
    writeFileSync(path.join(ws, '.cxr-lab', 'slurm.json'), JSON.stringify({ cpus: 'eight' }));
    await assert.rejects(readSlurmSettings(ws), /"cpus" expected number/);
  });
});

describe('the batch script', () => {
  const script = batchScript({
    runDir: "/data/it's here/run 1", cwd: '/work', command: '/usr/bin/node /opt/cxr/dist/cli.js', cliArgs: ['--backend', 'tensorflow'],
    setup: ['module load nodejs/20'], jobName: 'cxr-run 1', output: '/data/run/slurm-%j.log',
  });

  test('quotes paths for the shell and is valid bash', () => {
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote('/plain/path-1.2'), '/plain/path-1.2');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cxr-slurm-script-'));
    writeFileSync(path.join(dir, 'job.sh'), script);
    execFileSync('bash', ['-n', path.join(dir, 'job.sh')]); // throws on a syntax error
  });

  test('directives first, setup before cxr-lab, slurm-job then its fallback end record, the exit code passed on', () => {
    const lines = script.split('\n');
    assert.equal(lines[0], '#!/bin/bash');
    assert.ok(lines.slice(1, 4).every((l) => l.startsWith('#SBATCH ')));
    assert.ok(lines.includes("#SBATCH --job-name='cxr-run 1'"));
    const setup = lines.indexOf('module load nodejs/20');
    const job = lines.findIndex((l) => l.endsWith(`slurm-job '/data/it'\\''s here/run 1'`));
    assert.ok(setup > 0 && job > setup, 'setup, then the job');
    assert.match(lines[job], /^\/usr\/bin\/node \/opt\/cxr\/dist\/cli\.js --backend tensorflow slurm-job /);
    assert.match(lines[job + 2], /slurm-job .* --ended "\$code"/);
    assert.equal(lines.at(-2), 'exit "$code"');
    assert.ok(lines.some((l) => l.startsWith('trap ') && l.endsWith(' TERM')), 'SIGTERM trapped so the end is still recorded');
  });

  test('a stand-in cxr-lab: the script runs it, records the end only through --ended, and exits with its code', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cxr-slurm-run-'));
    const fake = path.join(dir, 'fake-cxr');
    writeFileSync(fake, `#!/bin/bash\necho "$@" >> ${dir}/calls\n[ "$3" = "--ended" ] || exit 7\n`, { mode: 0o755 });
    writeFileSync(path.join(dir, 'job.sh'), batchScript({ runDir: path.join(dir, 'run'), cwd: dir, command: fake, jobName: 'x', output: 'x' }));
    let code = 0;
    try { execFileSync('bash', [path.join(dir, 'job.sh')], { stdio: 'pipe' }); } catch (e) { code = (e as { status: number }).status; }
    assert.equal(code, 7);
    const calls = execFileSync('cat', [path.join(dir, 'calls')]).toString().trim().split('\n');
    assert.deepEqual(calls, [`slurm-job ${path.join(dir, 'run')}`, `slurm-job ${path.join(dir, 'run')} --ended 7`]);
  });
});
