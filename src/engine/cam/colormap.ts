/**
 * The CAM colormaps of the engine's pictures: OpenCV's tables (jet, pytorch-grad-cam's default; inferno; turbo), from
 * src/shared/camDisplay.ts, which the Grad-CAM view draws with too.
 */
import { applyColormap, colormapColor } from '../../shared/camDisplay';

export { applyColormap, COLORMAPS, DEFAULT_COLORMAP, isColormap, type ColormapName } from '../../shared/camDisplay';

/** The "jet" colour of a value in [0,1] (blue → cyan → yellow → red): OpenCV's COLORMAP_JET, as pytorch-grad-cam applies it. */
export function jet(value: number): [number, number, number] {
  return colormapColor('jet', value);
}

/** Map values in [0,1] to interleaved RGB bytes in jet. */
export function applyJet(values: ArrayLike<number>): Uint8Array {
  return applyColormap(values, 'jet');
}
