/**
 * TEST-ONLY fault injection (test/unit/faults.test.ts): the environment variable CXR_LAB_FAULT names points where
 * the engine dies as if killed with `kill -9`, or where a write fails, so the tests can check what survives a crash
 * at exactly that point instead of killing by timing. Nobody sets it in normal use; then faultPoint() is one
 * environment lookup.
 *
 *   CXR_LAB_FAULT=<point>[@<n>][=<action>][,…]
 *   point    epoch:<e>:batch:<b>                       after training batch b (1-based) of epoch e
 *            checkpoint:<best|last>:before-meta        every file of the new checkpoint written but meta.json
 *            checkpoint:<best|last>:after-old-rename   between the two renames of the checkpoint swap
 *            write:<file name>                         a file written (not yet renamed into place) by writeFileAtomic
 *   @n       the n-th time this process reaches the point (default: the first)
 *   <member>/<point>                                   only in the engine process of that training-queue member
 *                                                      (its folder name in the sweep: memberFaultSpec)
 *   action   none: SIGKILL this process (kill -9: no finally, no exit handlers);
 *            an errno code (ENOSPC, EIO …): throw that error there, once;
 *            disk-full: throw ENOSPC there and at every later write:* point (a disk that stays full)
 */
const ENV = 'CXR_LAB_FAULT';

interface Fault { point: string; nth: number; action?: string }

const reached = new Map<string, number>();
let diskFull = false;
let parsed: { spec: string; faults: Fault[] } | undefined;

function faults(): Fault[] {
  const spec = process.env[ENV] ?? '';
  if (parsed?.spec !== spec) {
    parsed = {
      spec,
      faults: spec.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
        const m = /^(.*?)(?:@(\d+))?(?:=([\w-]+))?$/.exec(s)!;
        return { point: m[1], nth: m[2] ? Number(m[2]) : 1, action: m[3] };
      }),
    };
  }
  return parsed.faults;
}

function errnoError(code: string, point: string, file?: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: injected fault at ${point}${file ? `, write '${file}'` : ''}`);
  e.code = code;
  if (file) e.path = file;
  return e;
}

/**
 * The named point of the engine's work; dies or throws when CXR_LAB_FAULT asks for it. `file`: the file being
 * written, carried by an injected error as a real one carries it.
 */
export function faultPoint(name: string, file?: string): void {
  if (diskFull && name.startsWith('write:')) throw errnoError('ENOSPC', name, file);
  const list = faults();
  if (list.length === 0) return;
  const count = (reached.get(name) ?? 0) + 1;
  reached.set(name, count);
  const fault = list.find((f) => f.point === name && f.nth === count);
  if (!fault) return;
  if (!fault.action) {
    process.kill(process.pid, 'SIGKILL');
    process.exit(137); // not reached: SIGKILL cannot be caught
  }
  if (fault.action === 'disk-full') {
    diskFull = true;
    throw errnoError('ENOSPC', name, file);
  }
  throw errnoError(fault.action, name, file);
}

/**
 * The CXR_LAB_FAULT of a training-queue member's engine process: entries `<member>/<point>…` of this member without
 * their prefix, plus the entries without a member (every process has those); other members' entries are left out.
 */
export function memberFaultSpec(spec: string, member: string): string {
  return spec.split(',').map((s) => s.trim()).filter(Boolean).flatMap((entry) => {
    const m = /^([\w.-]+)\/(.+)$/.exec(entry);
    if (!m) return [entry];
    return m[1] === member ? [m[2]] : [];
  }).join(',');
}
