/** "Explain these images with all runs": which images of a list go to the CAM grid, and the button's words. Pure. */
import { GRID_IMAGES_FROM_EVALUATION } from '../../shared/camGrid';

export interface GridSelection { files: string[]; label: string; title: string }

/** The first GRID_IMAGES_FROM_EVALUATION images of the list (in its order); undefined for an empty list. */
export function gridSelection(files: readonly string[], what: string): GridSelection | undefined {
  const unique = [...new Set(files)];
  if (unique.length === 0) return undefined;
  const picked = unique.slice(0, GRID_IMAGES_FROM_EVALUATION);
  const label = unique.length > picked.length
    ? `Explain the first ${picked.length} with all runs`
    : `Explain ${picked.length === 1 ? 'this image' : `these ${picked.length} images`} with all runs`;
  return {
    files: picked, label,
    title: `The CAM grid of ${picked.length === unique.length ? '' : `the first ${picked.length} of `}${what}: one row per image, one column per run with these classes (Grad-CAM of each prediction)`,
  };
}
