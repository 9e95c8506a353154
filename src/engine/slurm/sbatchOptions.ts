/**
 * sbatch options of a Slurm run: checked here (a bad value is a ConfigError naming its flag, before anything is
 * submitted) and turned into sbatch's own arguments. What a cluster accepts (a partition, an account, a GPU type) only
 * sbatch knows: its refusal is quoted by submit.ts.
 */
import { ConfigError } from '../errors';
import type { SbatchOptions } from '../../shared/slurm/settings';

/** Slurm's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours, days-hours:minutes, days-hours:minutes:seconds. */
const TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/i;
/** Memory: a size with an optional unit (K, M, G, T; no unit = megabytes). */
const MEM = /^\d+[KMGT]?B?$/i;
/** Generic resources: name[:type][:count][,name…], e.g. gpu:1, gpu:a100:2, gpu:1,nvme:1. */
const GRES = /^[A-Za-z][\w.-]*(:[\w.-]+)*(,[A-Za-z][\w.-]*(:[\w.-]+)*)*$/;
const NAME = /^[\w.,@-]+$/;

function bad(flag: string, rule: string, value: unknown): never {
  throw new ConfigError(`${flag} ${rule}, got "${String(value)}".`, { option: flag, rule });
}

/** Throws a ConfigError naming the flag of the first bad option. */
export function checkSbatchOptions(o: SbatchOptions): void {
  if (o.partition !== undefined && !NAME.test(o.partition)) bad('--partition', 'must be a partition name (letters, digits, . _ - ,)', o.partition);
  if (o.account !== undefined && !NAME.test(o.account)) bad('--account', 'must be an account name', o.account);
  if (o.gres !== undefined && !GRES.test(o.gres)) bad('--gres', 'must be Slurm generic resources such as gpu:1 or gpu:a100:2', o.gres);
  if (o.cpus !== undefined && !(Number.isInteger(o.cpus) && o.cpus >= 1)) bad('--cpus', 'must be a whole number of at least 1', o.cpus);
  if (o.mem !== undefined && !MEM.test(o.mem)) bad('--mem', 'must be a memory size such as 32G or 16000M', o.mem);
  if (o.time !== undefined && !TIME.test(o.time)) bad('--time', 'must be a Slurm time limit such as 4:00:00, 90 or 1-12:00:00', o.time);
}

/** sbatch's arguments for the options (without the script), in a fixed order. */
export function sbatchArgs(o: SbatchOptions, extra: readonly string[] = []): string[] {
  const args: string[] = [];
  if (o.partition) args.push(`--partition=${o.partition}`);
  if (o.account) args.push(`--account=${o.account}`);
  if (o.gres) args.push(`--gres=${o.gres}`);
  if (o.cpus) args.push(`--cpus-per-task=${o.cpus}`);
  if (o.mem) args.push(`--mem=${o.mem}`);
  if (o.time) args.push(`--time=${o.time}`);
  if (o.requeue === true) args.push('--requeue');
  if (o.requeue === false) args.push('--no-requeue');
  return [...args, ...extra];
}
