import { InvalidArgumentError, Option } from 'commander';
import { listModels } from '../engine/models/index';

/** Names of the architectures the engine builds, in listModels() order. */
export function archNames(): string[] {
  return listModels().map((m) => m.name);
}

/**
 * `--arch a,b,...` → the names, every one checked against listModels() while the command line is parsed
 * (before any dataset is scanned): an unknown name is a usage error (exit 2) naming the known ones.
 */
export function parseArchList(value: string): string[] {
  const known = archNames();
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError(`Name an architecture: ${known.join(', ')}.`);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    const which = unknown.map((n) => `'${n}'`).join(', ');
    throw new InvalidArgumentError(`Unknown architecture${unknown.length > 1 ? 's' : ''} ${which}; known: ${known.join(', ')}.`);
  }
  return names;
}

/**
 * The `--arch` option, parsed to a list of names: its help lists listModels(); the value may be a
 * comma-separated list. `single` (for commands that take one architecture for now) is the sentence for
 * a list of more than one. Without `defaultArch` the option is required.
 */
export function archOption(o: { description?: string; defaultArch?: string; single?: string }): Option {
  const list = archNames().join(' | ');
  const option = new Option(o.single ? '--arch <name>' : '--arch <names>', o.description ? `${o.description}: ${list}` : list)
    .argParser((value: string) => {
      const names = parseArchList(value);
      if (o.single && names.length > 1) throw new InvalidArgumentError(o.single);
      return names;
    });
  return o.defaultArch ? option.default([o.defaultArch], o.defaultArch) : option.makeOptionMandatory();
}
