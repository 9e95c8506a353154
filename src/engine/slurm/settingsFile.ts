/**
 * `.cxr-lab/slurm.json` of the workspace: defaults for the sbatch options, setup lines and the command that starts
 * cxr-lab on a node. Absent: no defaults. Wrong: a ConfigError naming the file and the field.
 */
import * as path from 'node:path';
import { LAB_DIR } from '../../shared/runFiles';
import { readTextIfExists } from '../../shared/node/runFs';
import { SLURM_SETTINGS_FILE, slurmSettingsSchema, type SlurmSettings } from '../../shared/slurm/settings';
import { ConfigError } from '../errors';

export function slurmSettingsPath(workspace: string): string {
  return path.join(path.resolve(workspace), LAB_DIR, SLURM_SETTINGS_FILE);
}

export async function readSlurmSettings(workspace: string): Promise<SlurmSettings> {
  const file = slurmSettingsPath(workspace);
  const text = await readTextIfExists(file);
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON (${(e as Error).message}).`);
  }
  const r = slurmSettingsSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    throw new ConfigError(`${file}: unknown setting ${issue.keys.map((k) => `"${k}"`).join(', ')}; known: ${Object.keys(slurmSettingsSchema.shape).join(', ')}.`);
  }
  const where = issue.path.length > 0 ? `"${issue.path.join('.')}"` : 'the file';
  throw new ConfigError(`${file}: ${where} ${issue.message.replace(/^Invalid input: /, '').toLowerCase()}.`);
}
