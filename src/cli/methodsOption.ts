import { InvalidArgumentError, Option } from 'commander';
import { camMethodNames } from '../engine/cam/methods';

/** `--methods a,b,…` (repeatable): CAM method ids or aliases, checked while the command line is parsed (exit 2). */
export function methodsOption(description: string): Option {
  return new Option('--methods <ids>', description)
    .argParser((value: string, previous: string[] | undefined) => {
      const ids = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (ids.length === 0) throw new InvalidArgumentError('name at least one CAM method.');
      const known = camMethodNames();
      const unknown = ids.find((id) => !known.includes(id));
      if (unknown) throw new InvalidArgumentError(`unknown CAM method '${unknown}'; known: ${known.join(', ')}.`);
      return [...(previous ?? []), ...ids];
    });
}
