/**
 * A model card (Mitchell et al., "Model Cards for Model Reporting", FAT* 2019, doi:10.1145/3287560.3287596) of the
 * best run: its nine sections item by item, filled from the run's files where the tool knows the answer, the rest
 * listed for the author (who the developers are, intended use, ethics…).
 */
import { formatParams } from '../../../shared/compare';
import type { ChecklistItem, Section } from '../document';
import type { ReportInput } from '../input';
import { confounderSentences } from './dataset';
import { bestRun, headline, initialWeights, recipeText, testImagesText } from './facts';

export function modelCardSection(input: ReportInput): Section {
  const best = bestRun(input);
  if (!best) return { id: 'model-card', title: 'Model card', blocks: [{ kind: 'paragraph', text: 'No model to describe.' }] };
  const { result, runs } = input.comparison;
  const d = input.dataset;
  const filled = (id: string, item: string, value: string): ChecklistItem => ({ id, item, status: 'filled', value });
  const author = (id: string, item: string, value: string): ChecklistItem => ({ id, item, status: 'author', value });
  const subgroupColumns = [...new Set(best.evaluation.subgroups?.map((s) => s.column) ?? [])];
  const confounders = confounderSentences(d, runs);
  const audit = input.audits.get(best.row.runId);
  const b = best.evaluation.bootstrap;
  const split = best.info.split.counts;
  const items: ChecklistItem[] = [
    author('Model details', 'Person or organisation developing the model', 'Name the developers and their affiliation.'),
    filled('Model details', 'Model date', `Trained ${best.info.createdAt.slice(0, 10)}, evaluated ${best.evaluation.createdAt.slice(0, 10)}.`),
    filled('Model details', 'Model version', `Run ${best.info.id}, ${best.row.checkpoint.which} checkpoint (epoch ${best.row.checkpoint.epoch}); CXR Lab ${best.info.versions['cxr-lab'] ?? input.version}.`),
    filled('Model details', 'Model type', `${best.info.config.arch} convolutional neural network (${formatParams(best.row.params)} trainable parameters), ${initialWeights(best)}, with a new ${result.classes.length}-class softmax head: ${result.classes.join(', ')}.`),
    filled('Model details', 'Training algorithms, parameters and features', `${recipeText(best)}. No fairness constraint was applied. Full settings: Recipe and configuration.`),
    author('Model details', 'Paper or other resource; citation; licence', 'Add the paper, how to cite the model, and its licence (and the licences of the training images).'),
    author('Model details', 'Where to send questions or comments', 'Add a contact.'),
    author('Intended use', 'Primary intended uses and users', 'State them. A model trained and tested on one retrospective dataset, as here, supports research use; it is not a validated medical device.'),
    author('Intended use', 'Out-of-scope use cases', 'State them, e.g. clinical decisions, images from other sources, sites, devices or age groups than the training data, and findings outside these classes.'),
    d?.metadataColumns?.length
      ? filled('Factors', 'Relevant factors', `metadata.csv records ${d.metadataColumns.join(', ')} per image; the columns that predict the class are under Confounders.`)
      : author('Factors', 'Relevant factors', 'Name the groups, instruments and environments that may change performance (age, sex, site, scanner, source); no metadata.csv was found to check them.'),
    subgroupColumns.length
      ? filled('Factors', 'Evaluation factors', `Accuracy, macro-F1 and recall per class by ${subgroupColumns.join(', ')} (the evaluation's subgroup table).`)
      : author('Factors', 'Evaluation factors', 'Say which factors the evaluation was broken down by; none was available here.'),
    filled('Metrics', 'Model performance measures', 'Accuracy, per-class precision/recall/F1 and macro-F1, one-vs-rest ROC AUC per class and macro, confusion matrices; between models McNemar\'s exact test and the paired bootstrap of the macro-F1 and macro-AUC differences.'),
    filled('Metrics', 'Decision thresholds', 'The class with the highest softmax probability (argmax); no threshold was tuned.'),
    filled('Metrics', 'Variation approaches', b ? `95 % percentile bootstrap intervals, ${b.resamples} resamples of ${b.unit === 'patient' ? `${b.clusters} patients` : `${b.images} images`} (seed ${b.seed}).` : 'No intervals (evaluation written before they existed).'),
    filled('Evaluation data', 'Datasets', `The test split of ${result.dataset.root}: ${testImagesText(input)}${result.crossValidation ? '' : `, ${best.info.config.testPerClass} per class as configured`}; never used for training or model selection.`),
    author('Evaluation data', 'Motivation', 'Why this test set; whether it represents the intended use.'),
    filled('Evaluation data', 'Preprocessing', `Resized to ${best.info.config.imageSize}×${best.info.config.imageSize} px, ${best.info.model.normalization} normalisation, no augmentation at test time.`),
    filled('Training data', 'Training data', `The train split of the same dataset (${split.train} images; validation ${split.val}, test ${split.test}), split ${best.info.split.groupedBy === 'patient' ? 'by patient' : 'by image'} with seed ${best.info.config.splitSeed ?? best.info.config.seed}; counts per class under Dataset.`),
    filled('Quantitative analyses', 'Unitary results', `${headline(best)}; all runs and classes under Results, paired tests under Paired tests.`),
    subgroupColumns.length
      ? filled('Quantitative analyses', 'Intersectional results', `Single factors only (${subgroupColumns.join(', ')}); no intersections were computed.`)
      : author('Quantitative analyses', 'Intersectional results', 'Not available: no metadata to break the results down by.'),
    author('Ethical considerations', 'Ethical considerations', `Data provenance and consent, risks and mitigations.${confounders.length ? ` The tool found ${confounders.length} confounder warning${confounders.length === 1 ? '' : 's'} (Dataset); address them here.` : ''}`),
    author('Caveats and recommendations', 'Caveats and recommendations', [
      `Complete with your own. The tool's: the intervals come from ${testImagesText(input)} — one split of one dataset, not external validation`,
      confounders.length ? '; metadata confounders were found (a model can learn the source instead of the finding)' : '',
      audit ? `; shortcut audit: ${audit.verdict.flagged ? 'flagged' : 'not flagged'}` : '; no shortcut audit was run',
      '.',
    ].join('')),
  ];
  return {
    id: 'model-card', title: 'Model card',
    blocks: [
      { kind: 'paragraph', text: `The model card of ${best.row.label} (${best.info.id})${runs.length > 1 ? ', the run with the highest macro-F1; the other runs are described by the same recipe and tables' : ''}, in the sections of Mitchell et al. (2019). ✓ filled from the run's files; ✎ left for the author.` },
      { kind: 'checklist', items, idHeader: 'Section' },
    ],
  };
}
