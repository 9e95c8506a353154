import { InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../shared/runFiles';

/**
 * The CLI's one convention for several runs: a command acts on its positional run, and `--runs a,b,…`
 * adds more (evaluate: a soft-voting ensemble; explain: the same images explained by each run). Each
 * entry must be a run directory, checked while the command line is parsed (exit 2 otherwise).
 */
export function runsOption(description: string): Option {
  return new Option('--runs <dirs>', description).argParser((value: string, previous: string[] | undefined) => {
    const dirs = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (dirs.length === 0) throw new InvalidArgumentError('name at least one run directory.');
    for (const dir of dirs) {
      if (!existsSync(dir)) throw new InvalidArgumentError(`not found: ${dir}`);
      if (!existsSync(path.join(dir, RUN_FILES.run))) throw new InvalidArgumentError(`${dir} is not a CXR Lab run directory (no ${RUN_FILES.run}).`);
    }
    return [...(previous ?? []), ...dirs];
  });
}

/** The positional run first, then the added ones, each once (the same folder named twice counts once). */
export function runList(positional: string, added: string[] | undefined): string[] {
  const seen = new Set<string>();
  return [positional, ...(added ?? [])].filter((dir) => {
    const key = path.resolve(dir);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
