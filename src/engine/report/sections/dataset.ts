/** The report's dataset summary: counts per class and split, patients, health problems and confounder warnings. */
import type { ComparedRun } from '../../jobs/compare';
import type { Block, Section } from '../document';
import type { DatasetFacts } from '../input';

/** Confounder sentences: the dataset's (scan) and the test split's (each evaluation), each once. */
export function confounderSentences(dataset: DatasetFacts | undefined, runs: readonly ComparedRun[]): string[] {
  const all = [
    ...(dataset?.issues.filter((i) => i.kind === 'confounder').map((i) => `Whole dataset: ${i.message}`) ?? []),
    ...runs.flatMap((r) => r.evaluation.confounders?.map((c) => `Test split: ${c.message}`) ?? []),
  ];
  return [...new Set(all)];
}

export function datasetSection(dataset: DatasetFacts | undefined, error: string | undefined, runs: readonly ComparedRun[]): Section {
  const blocks: Block[] = [];
  if (!dataset) {
    blocks.push({ kind: 'paragraph', tone: 'warning', text: `The dataset could not be scanned${error ? `: ${error}` : ''}. The counts below are those recorded in the runs.` });
    const first = runs[0];
    if (first) {
      blocks.push({ kind: 'table', caption: `${first.info.dataset.root} (dataset hash ${first.info.dataset.hash.slice(0, 16)}…)`, header: ['class', 'images'], numeric: [false, true],
        rows: Object.entries(first.info.dataset.perClass).map(([c, n]) => [c, String(n)]) });
    }
  } else {
    const d = dataset;
    const splits = d.perSplit;
    blocks.push({
      kind: 'paragraph',
      text: `${d.root} — ${d.classes.length} classes, ${Object.values(d.perClass).reduce((a, b) => a + b, 0)} usable images (${d.layout}), ` +
        `${d.excluded} file${d.excluded === 1 ? '' : 's'} left out (dataset hash ${d.hash.slice(0, 16)}…). ` +
        (d.groupedBy === 'patient' ? `The split is grouped by patient (${d.patients ?? '?'} patients, ids from ${d.patientSource}): no patient is in two splits.` : 'Patients are unknown: the split is by image (a patient with several images may be in two splits).'),
    });
    blocks.push({
      kind: 'table', caption: splits ? `Images per class and split (the split of ${runs[0]?.info.id ?? 'the first run'}; every run of the table is tested on its test images)` : 'Images per class',
      header: ['class', 'all', ...(splits ? ['train', 'validation', 'test'] : [])], numeric: [false, true, true, true, true],
      rows: [
        ...d.classes.map((c) => [c, String(d.perClass[c] ?? 0), ...(splits ? [String(splits.train[c] ?? 0), String(splits.val[c] ?? 0), String(splits.test[c] ?? 0)] : [])]),
        ['total', String(Object.values(d.perClass).reduce((a, b) => a + b, 0)),
          ...(splits ? (['train', 'val', 'test'] as const).map((s) => String(Object.values(splits[s]).reduce((a, b) => a + b, 0))) : [])],
      ],
    });
    if (d.metadataColumns?.length) blocks.push({ kind: 'paragraph', text: `metadata.csv columns: ${d.metadataColumns.join(', ')}.` });
    const problems = d.issues.filter((i) => i.kind !== 'confounder');
    blocks.push({ kind: 'subheading', text: 'Health' });
    blocks.push(problems.length
      ? { kind: 'list', tone: 'warning', items: problems.map((i) => `${i.severity}: ${i.message}`) }
      : { kind: 'paragraph', text: 'The scan found no broken, unreadable or stray files and no empty or tiny class.' });
    if (d.infos) blocks.push({ kind: 'paragraph', tone: 'note', text: `${d.infos} informational note${d.infos === 1 ? '' : 's'} (\`cxr-lab scan ${d.root}\` lists them).` });
    if (d.splitWarnings.length) blocks.push({ kind: 'list', tone: 'warning', items: d.splitWarnings });
  }
  const confounders = confounderSentences(dataset, runs);
  blocks.push({ kind: 'subheading', text: 'Confounders' });
  blocks.push(confounders.length
    ? { kind: 'list', tone: 'warning', items: confounders }
    : { kind: 'paragraph', text: dataset?.metadataColumns?.length ? 'No metadata.csv column predicts the class.'
      : `${dataset?.metadataColumns ? 'metadata.csv has no column besides the patient and the label' : 'No metadata.csv'}: confounding by source, site or age could not be checked.` });
  return { id: 'dataset', title: 'Dataset', blocks };
}
