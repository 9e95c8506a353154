/** split.json: dataset-relative file -> train/val/test, as the run was split (keys sorted), plus `format`. */
import { z } from 'zod';
import { formatField, splitNameSchema, type SplitName } from './fields';
import { RUN_LAYOUT_VERSION, type RunLayoutVersion } from './layout';

export const splitFileSchema = z.object({ format: formatField }).catchall(splitNameSchema);
/** The split without `format`: every key is a dataset-relative image path. */
export type SplitRecord = Record<string, SplitName>;
/** split.json as written: `format` beside the file keys (an image path always has an extension, so none is "format"). */
export type SplitFile = { format: RunLayoutVersion } & Record<string, SplitName | RunLayoutVersion>;

export function toSplitFile(split: SplitRecord): SplitFile {
  return { format: RUN_LAYOUT_VERSION, ...split };
}
