/**
 * `cxr-lab preflight <dataset> [train options]`: what `train` with the same options would do on this machine — the split,
 * the backend, whether the pretrained weights are here or can be downloaded, and how long it would take — before any run
 * folder exists. It takes train's own options (the same Option objects, so they cannot drift apart).
 */
import type { Command } from 'commander';
import type { TrainConfig } from '../shared/engineProtocol';
import { CONFIG_FLAGS } from './checks';

/** Options of `train` that make no sense without a run folder. */
const RUN_FOLDER_FLAGS = ['--out', '--force'];

export function addTrainOptionsOf(train: Command, to: Command): Command {
  for (const option of train.options) if (!RUN_FOLDER_FLAGS.includes(option.long ?? '')) to.addOption(option);
  return to;
}

const camel = (flag: string) => flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The TrainConfig the parsed options of `train` name (every flag of CONFIG_FLAGS; --arch takes its first name). */
export function trainConfigFromOptions(o: Record<string, unknown>): Partial<TrainConfig> {
  const config: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(CONFIG_FLAGS)) {
    const v = o[camel(flag)];
    if (v !== undefined) config[key] = key === 'arch' && Array.isArray(v) ? v[0] : v;
  }
  return config as Partial<TrainConfig>;
}
