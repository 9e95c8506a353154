/**
 * Lung masks for ../shared/data/cxr-masked-lo: its publisher blacked out everything outside the lungs, so the lungs are
 * its non-black pixels. Written into a folder the caller owns (a temp folder), never into ../shared or the repository,
 * mirroring the class folders as `cxr-lab audit --masks` expects (`Lung_Opacity/<file>.png`, 0 or 255).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

/** Writes `<outDir>/<Class>/<name>.png` for each image of each class folder of `maskedRoot`; returns how many. */
export async function deriveMasksFromNonBlack(maskedRoot: string, outDir: string, opts: { limit?: number } = {}): Promise<number> {
  let n = 0;
  for (const cls of (await fs.readdir(maskedRoot, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name)) {
    const files = (await fs.readdir(path.join(maskedRoot, cls))).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().slice(0, opts.limit);
    await fs.mkdir(path.join(outDir, cls), { recursive: true });
    for (const f of files) {
      const { data, info } = await sharp(path.join(maskedRoot, cls, f)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      const mask = Buffer.alloc(data.length);
      for (let i = 0; i < data.length; i++) mask[i] = data[i] > 0 ? 255 : 0;
      await sharp(mask, { raw: { width: info.width, height: info.height, channels: 1 } }).toColourspace('b-w').png().toFile(path.join(outDir, cls, f.replace(/\.[^.]+$/, '.png')));
      n++;
    }
  }
  return n;
}
