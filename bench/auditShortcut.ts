/**
 * The shortcut audit on real X-rays (not a CI test: it trains for ~2 min). Builds, in a temp folder, a 4-class dataset of
 * symlinks — ../shared/data/cxr's COVID, Normal and Viral_Pneumonia plus ../shared/data/cxr-masked-lo's Lung_Opacity,
 * whose lungs are cut out of a black background — derives that class's lung masks from its non-black pixels, trains
 * MobileNetV2 0.35 on it (128 px, 3 epochs) unless the run exists, and audits it with those masks (the three real
 * classes have none: border band and markers only). Then audits a run trained on ../shared/data/cxr alone.
 *
 *   node esbuild.mjs && node --import tsx bench/auditShortcut.ts [--run /tmp/real/mnv2-4class] [--baseline /tmp/real/mnv2-seed42]
 *     [--work /tmp/cxr-audit-shortcut] [--limit N]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deriveMasksFromNonBlack } from '../test/helpers/maskedLo';

const SHARED = path.resolve(__dirname, '../../shared');
const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

async function main(): Promise<void> {
  const runDir = arg('--run', '/tmp/real/mnv2-4class')!;
  const baseline = arg('--baseline', '/tmp/real/mnv2-seed42')!;
  const limit = arg('--limit');
  // Made afresh each time and left in place: the run's run.json names its dataset folder.
  const work = arg('--work', path.join(os.tmpdir(), 'cxr-audit-shortcut'))!;
  await fs.rm(work, { recursive: true, force: true });
  const dataset = path.join(work, 'dataset');
  const masks = path.join(work, 'masks');
  await fs.mkdir(dataset, { recursive: true });
  for (const c of ['COVID', 'Normal', 'Viral_Pneumonia']) await fs.symlink(path.join(SHARED, 'data/cxr', c), path.join(dataset, c));
  await fs.symlink(path.join(SHARED, 'data/cxr-masked-lo/Lung_Opacity'), path.join(dataset, 'Lung_Opacity'));
  // One metadata.csv (same columns in both), so the split stays grouped by patient.
  const [a, b] = await Promise.all(['cxr', 'cxr-masked-lo'].map((d) => fs.readFile(path.join(SHARED, 'data', d, 'metadata.csv'), 'utf8')));
  await fs.writeFile(path.join(dataset, 'metadata.csv'), a.trimEnd() + '\n' + b.split('\n').slice(1).join('\n'));
  console.log(`dataset ${dataset}; ${await deriveMasksFromNonBlack(path.join(SHARED, 'data/cxr-masked-lo'), masks)} masks in ${masks}`);
  const cli = (...args: string[]) => execFileSync(process.execPath, [path.resolve(__dirname, '../dist/cli.js'), ...args], { stdio: 'inherit' });
  if (!existsSync(path.join(runDir, 'checkpoints/best'))) {
    cli('train', dataset, '--arch', 'mobilenetv2', '--pretrained', path.join(SHARED, 'weights/mobilenetv2-0.35-imagenet-notop'), '--image-size', '128', '--epochs', '3', '--out', runDir);
  }
  // The run records the dataset's path: a later invocation's temp folder differs, so point it at this one.
  const runJson = path.join(runDir, 'run.json');
  const info = JSON.parse(await fs.readFile(runJson, 'utf8')) as { dataset: { root: string } };
  if (info.dataset.root !== dataset) {
    info.dataset.root = dataset;
    await fs.writeFile(runJson, JSON.stringify(info, null, 2) + '\n');
  }
  const lim = limit ? ['--limit', limit] : [];
  cli('audit', runDir, '--masks', masks, ...lim);
  if (existsSync(baseline)) cli('audit', baseline, ...lim);
}

main().catch((e: Error) => { console.error(e.stack ?? e.message); process.exit(1); });
