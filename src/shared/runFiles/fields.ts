/** Field schemas shared by the run files. */
import { z } from 'zod';
import { RUN_LAYOUT_VERSION } from './layout';

/** `format` of a run file: absent in files of the first version (read as 1). Newer ones are refused before parsing. */
export const formatField = z.literal(RUN_LAYOUT_VERSION).default(RUN_LAYOUT_VERSION);

/** A number that may be NaN or ±Infinity when written: JSON writes those as null, read back as NaN. */
export const jsonNumber = z.number().nullable().transform((v) => v ?? NaN);

/** A best-so-far bound that starts at Infinity: JSON writes that as null, read back as Infinity. */
export const jsonBound = z.number().nullable().transform((v) => v ?? Infinity);

export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
export const splitNameSchema = z.enum(SPLIT_NAMES);
export type SplitName = z.infer<typeof splitNameSchema>;
