/**
 * audit/<split>[-<method>].json: the shortcut audit of a run (`cxr-lab audit`, "Audit Shortcuts" in the Runs tree).
 * For every image of a split, where its CAM mass lies: inside the lungs (when a lung mask is known), in the border band
 * (the outer 10 % of each side) and on burned-in text and markers found in the image; per-class means, the thresholds
 * they were judged by, and a one-sentence verdict. The gallery's overlays are PNGs in audit/<split>[-<method>]/.
 * The folder is RUN_FILES.audit; the engine's side (scores, marker detector, verdict) is src/engine/audit/.
 */
import { z } from 'zod';
import { checkpointNameSchema } from './checkpoint';
import { formatField, splitNameSchema } from './fields';

/** `test` for Grad-CAM (the default method), `test-scorecam` for another method: one file per split and method. */
export function auditName(split: string, method: string, defaultMethod = 'gradcam'): string {
  return method === defaultMethod ? split : `${split}-${method}`;
}

/** The shares of one image's CAM mass; null where it cannot be measured (no mask; a flat map has no mass at all). */
export const auditImageSchema = z.object({
  file: z.string(),
  /** Relative to the dataset root. */
  rel: z.string(),
  label: z.number(),
  predicted: z.number(),
  /** Probability of the predicted class (the class whose CAM is measured). */
  probability: z.number(),
  /** Share of the CAM mass inside the lung mask; null without a mask or with a flat map. */
  lungs: z.number().nullable(),
  /** Share in the border band (outer 10 % of each side: 36 % of the area). null: flat map. */
  border: z.number().nullable(),
  /** Share on the marker regions found in the image (0 when none was found). null: flat map. */
  markers: z.number().nullable(),
  /** Share on the border band or a marker region (their union): the gallery's "borders and markers" ranking. */
  borderMarkers: z.number().nullable(),
  /** Fraction of the image the lung mask covers (null: no mask). */
  lungArea: z.number().nullable(),
  /** Fraction of the image the marker regions cover. */
  markerArea: z.number(),
  /** Markers found: bounding boxes as fractions of the image's width and height. */
  markerBoxes: z.array(z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() })),
  /** The lung mask used (absolute path), or null when none was found. */
  mask: z.string().nullable(),
  /** The mask had another size than the image and was resized (nearest neighbour). */
  maskResized: z.boolean(),
  /** Why the image has no lung share: no mask found, the mask is empty or unreadable, or the map is flat. */
  note: z.string().optional(),
  /** The gallery overlay (absolute path): image, CAM, lung outline, border band and marker boxes; only for ranked images. */
  overlay: z.string().optional(),
});
export type AuditImage = z.infer<typeof auditImageSchema>;

/** Means of a group of images (a class by its true label, or all): each over the images where it could be measured. */
export const auditGroupSchema = z.object({
  className: z.string(),
  images: z.number(),
  /** Images whose map is flat (no positive mass: no evidence for the predicted class): left out of every mean. */
  flat: z.number(),
  /** Images with a lung mask (and a non-flat map): the lungs mean is over these. */
  withMasks: z.number(),
  /** Images where at least one marker was found: the markers mean is over these. */
  withMarkers: z.number(),
  /** Mean share inside the lungs (null: no image of the group had a mask). */
  lungs: z.number().nullable(),
  /** Mean share in the border band (null: every map was flat). */
  border: z.number().nullable(),
  /** Mean share on markers over the images with markers (null: none had one). */
  markers: z.number().nullable(),
  /** Images of the group judged to look at the wrong place (each share against its threshold). */
  offTarget: z.number(),
});
export type AuditGroup = z.infer<typeof auditGroupSchema>;

export const auditFindingSchema = z.object({
  /** A class, or 'all images'. */
  group: z.string(),
  kind: z.enum(['outside-lungs', 'border', 'markers']),
  /** The group's mean share (outside-lungs: 1 − the lungs mean). */
  value: z.number(),
  threshold: z.number(),
  /** Images the mean is over. */
  images: z.number(),
});
export type AuditFinding = z.infer<typeof auditFindingSchema>;

export const auditThresholdsSchema = z.object({
  /** A group's mean share outside the lungs at or above this is flagged. */
  outsideLungs: z.number(),
  /** A group's mean share in the border band at or above this is flagged (the band is 36 % of the area). */
  border: z.number(),
  /** A group's mean share on markers (over its images with markers) at or above this is flagged. */
  markers: z.number(),
  /** Fewer images than this with a share measured: that share of the group is not judged. */
  minImages: z.number(),
});
export type AuditThresholds = z.infer<typeof auditThresholdsSchema>;

export const auditFileSchema = z.object({
  format: formatField,
  runId: z.string(),
  split: splitNameSchema,
  /** The CAM method id, and the layer it was computed at. */
  method: z.string(),
  layer: z.string(),
  checkpoint: z.object({ which: checkpointNameSchema, epoch: z.number() }),
  createdAt: z.string(),
  /** The square grid (pixels) every image, CAM and mask is compared on. */
  grid: z.number(),
  /** Width of the border band, as a fraction of each side. */
  borderFraction: z.number(),
  /** Images per ranking of the gallery (most outside the lungs; most on borders and markers): those get an overlay. */
  gallery: z.number(),
  classes: z.array(z.string()),
  /** Where lung masks came from: beside the images (<Class>/masks/), a --masks folder, or nowhere. */
  masks: z.object({
    source: z.enum(['dataset', 'folder', 'none']),
    dir: z.string().optional(),
    found: z.number(),
    missing: z.number(),
    resized: z.number(),
  }),
  /** The split's size, and how many of its images were audited (--limit). */
  splitImages: z.number(),
  images: z.array(auditImageSchema),
  /** Images that could not be read or explained: listed, the rest went on. */
  failed: z.array(z.object({ file: z.string(), rel: z.string(), error: z.string() })),
  perClass: z.array(auditGroupSchema),
  overall: auditGroupSchema,
  thresholds: auditThresholdsSchema,
  verdict: z.object({
    /** True when at least one finding crossed its threshold. */
    flagged: z.boolean(),
    /** One sentence: what the run looks at, and why that is (or is not) a shortcut. */
    sentence: z.string(),
    findings: z.array(auditFindingSchema),
  }),
  /** Sentences about what could not be measured (missing masks, flat maps, failed images, --limit). */
  notes: z.array(z.string()),
});
export type AuditFile = z.infer<typeof auditFileSchema>;
