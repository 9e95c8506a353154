/**
 * What the explaining run knows of an image, for the Grad-CAM view's header: its true class (the class folder it lies
 * in, as every dataset here is laid out) and the split of the run it belongs to — a training image's map says little
 * about how the model treats new images. Pure.
 */
import * as path from 'node:path';
import { trueLabelFromPath } from '../../shared/camGrid';
import type { SplitRecord } from '../../shared/runFiles';
import type { ImageFacts } from '../../shared/webviewProtocol';

/**
 * `root`/`classes`: the run's dataset; `split`: its split.json (dataset-relative paths). An image outside the dataset
 * is 'outside' (its class still read from its folders); one inside it that the split does not list (added later, or
 * left out as unreadable) is 'unsplit'.
 */
export function imageFacts(image: string, run: { root: string; classes: readonly string[] }, split: SplitRecord | undefined): ImageFacts {
  const rel = path.relative(path.resolve(run.root), path.resolve(image));
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  if (!inside) return { trueClass: trueLabelFromPath(path.resolve(image), run.classes), split: 'outside' };
  const key = rel.split(path.sep).join('/');
  return { trueClass: trueLabelFromPath(key, run.classes), split: split?.[key] ?? 'unsplit', rel: key };
}
