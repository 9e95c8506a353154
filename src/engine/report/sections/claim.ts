/**
 * The CLAIM checklist (Mongan, Moy, Kahn: "Checklist for Artificial Intelligence in Medical Imaging", Radiology: AI
 * 2020;2(2):e200029, 42 items): each item filled where the runs' files answer it — with where in this report — and the
 * rest listed for the author, with what the tool knows that helps.
 */
import type { ChecklistItem, Section } from '../document';
import type { ReportInput } from '../input';
import { confounderSentences } from './dataset';
import { initialWeights, listWords, recipeText, testImagesText } from './facts';

export function claimSection(input: ReportInput): Section {
  const { result, runs } = input.comparison;
  const d = input.dataset;
  const filled = (id: number, item: string, value: string): ChecklistItem => ({ id: String(id), item, status: 'filled', value });
  const author = (id: number, item: string, value = ''): ChecklistItem => ({ id: String(id), item, status: 'author', value });
  const archs = [...new Set(runs.map((r) => r.info.config.arch))];
  const first = runs[0];
  const seeds = new Set(runs.map((r) => r.info.config.seed));
  const subgroups = [...new Set(runs.flatMap((r) => r.evaluation.subgroups?.map((s) => s.column) ?? []))];
  const confounders = confounderSentences(d, runs);
  const grouped = first?.info.split.groupedBy === 'patient';
  const items: ChecklistItem[] = [
    author(1, 'Identification as a study of AI methodology, specifying the category of technology used', `e.g. "deep learning: convolutional neural networks (${listWords(archs)})".`),
    author(2, 'Structured summary of study design, methods, results and conclusions', 'The Summary section has the results.'),
    author(3, 'Scientific and clinical background, including the intended use and clinical role of the AI approach'),
    author(4, 'Study objectives and hypotheses'),
    author(5, 'Prospective or retrospective study'),
    filled(6, 'Study goal, such as model creation, exploratory study, feasibility study, non-inferiority trial', `Model creation and comparison of ${runs.length} trained model${runs.length === 1 ? '' : 's'} (${listWords(runs.map((r) => r.row.label))}) on one dataset.`),
    author(7, 'Data sources', `Describe where the images in ${result.dataset.root} come from${d?.metadataColumns?.length ? ` (metadata.csv columns: ${d.metadataColumns.join(', ')})` : ''}.`),
    author(8, 'Eligibility criteria: how, where and when potentially eligible participants or studies were identified'),
    filled(9, 'Data pre-processing steps', first ? `Images decoded to 3 channels, resized to ${listWords([...new Set(runs.map((r) => `${r.info.config.imageSize} px`))])}, ${first.info.model.normalization} normalisation; random horizontal flip in training.` : 'n/a'),
    filled(10, 'Selection of data subsets, if applicable', d ? `Every usable image of the class folders; ${d.excluded} file${d.excluded === 1 ? '' : 's'} left out by the scan (Dataset, Health).` : 'Every usable image of the class folders.'),
    author(11, 'Definitions of data elements, with references to Common Data Elements', `The labels are the class folders: ${result.classes.join(', ')}; define each.`),
    author(12, 'De-identification methods'),
    filled(13, 'How missing data were handled', 'Unreadable or broken files are left out and listed (Dataset, Health); an image without a known patient is its own group in the split.'),
    author(14, 'Definition of ground truth reference standard, in sufficient detail to allow replication', 'The tool takes each image\'s label from its class folder; say how those labels were established.'),
    author(15, 'Rationale for choosing the reference standard'),
    author(16, 'Source of ground-truth annotations; qualifications and preparation of annotators'),
    author(17, 'Annotation tools'),
    author(18, 'Measurement of inter- and intrarater variability; methods to mitigate variability and/or resolve discrepancies'),
    author(19, 'Intended sample size and how it was determined', d ? `The dataset has ${Object.values(d.perClass).reduce((a, b) => a + b, 0)} images (Dataset).` : ''),
    filled(20, 'How data were assigned to partitions; specify proportions', first ? `Seeded, stratified split (seed ${first.info.config.splitSeed ?? first.info.config.seed}): ${first.info.split.counts.train} train, ${first.info.split.counts.val} validation, ${first.info.split.counts.test} test images (per class under Dataset).` : 'n/a'),
    filled(21, 'Level at which partitions are disjoint (e.g. image, study, patient, institution)', grouped ? 'Patient: all images of a patient are in one partition.' : 'Image: patients were unknown, so one patient\'s images may be in two partitions.'),
    filled(22, 'Detailed description of model, including inputs, outputs, all intermediate layers and connections', `${listWords(archs)} as in torchvision, with a new ${result.classes.length}-class linear head and softmax; input a square RGB image (Recipe and configuration).`),
    filled(23, 'Software libraries, frameworks and packages', first ? `CXR Lab ${first.info.versions['cxr-lab'] ?? input.version}, TensorFlow.js ${first.info.versions.tfjs ?? '?'} on the ${listWords([...new Set(runs.map((r) => r.info.backend.name))])} backend, Node.js ${first.info.versions.node ?? '?'} (Environment).` : 'n/a'),
    filled(24, 'Initialization of model parameters (e.g. randomization, transfer learning)', runs.map((r) => `${r.row.label}: ${initialWeights(r)}`).join('; ') + '.'),
    filled(25, 'Details of training approach, including data augmentation, hyperparameters, number of models trained', first ? `${runs.length} model${runs.length === 1 ? '' : 's'} trained; ${recipeText(first)} (every setting per run under Recipe and configuration).` : 'n/a'),
    filled(26, 'Method of selecting the final model', 'Per run, the checkpoint with the lowest validation loss; between runs, the table and paired tests on the test split (Results, Paired tests).'),
    filled(27, 'Ensembling techniques, if applicable', 'None: each model is evaluated on its own.'),
    filled(28, 'Metrics of model performance', 'Accuracy, per-class precision/recall/F1, macro-F1, one-vs-rest ROC AUC (Results, ROC curves, Confusion matrices).'),
    filled(29, 'Statistical measures of significance and uncertainty (e.g. confidence intervals)', '95 % percentile bootstrap intervals (patients resampled when known); McNemar\'s exact test and a paired bootstrap between models (Paired tests).'),
    seeds.size > 1 || subgroups.length
      ? filled(30, 'Robustness or sensitivity analysis', [seeds.size > 1 ? `${seeds.size} seeds` : '', subgroups.length ? `results by ${subgroups.join(', ')}` : ''].filter(Boolean).join('; ') + '.')
      : author(30, 'Robustness or sensitivity analysis', 'e.g. train several seeds (cxr-lab train --seeds 1,2,3) or break results down by metadata.'),
    input.grid || input.audits.size
      ? filled(31, 'Methods for explainability or interpretability (e.g. saliency maps), and how they were validated', `Grad-CAM${input.grid ? ' (Grad-CAM section)' : ''}${input.audits.size ? '; the shortcut audit measures how much of each map lies outside the lungs, on the image border and on burned-in markers (Shortcut audit)' : ''}.`)
      : author(31, 'Methods for explainability or interpretability (e.g. saliency maps), and how they were validated', 'Add Grad-CAM (cxr-lab explain) and the shortcut audit (cxr-lab audit).'),
    author(32, 'Validation or testing on external data', 'This report tests on a held-out split of the same dataset only; evaluate on an external set with `cxr-lab evaluate <run> --data <folder>`.'),
    author(33, 'Flow of participants or cases, using a diagram to indicate inclusion and exclusion', 'Counts for the diagram are under Dataset.'),
    author(34, 'Demographic and clinical characteristics of cases in each partition'),
    filled(35, 'Performance metrics for optimal model(s) on all data partitions', 'Test: Results; training and validation loss and accuracy per epoch: Training curves.'),
    filled(36, 'Estimates of diagnostic accuracy and their precision (such as 95 % confidence intervals)', `Every headline number with its 95 % bootstrap interval, on ${testImagesText(input)} (Results).`),
    author(37, 'Failure analysis of incorrectly classified cases', 'Material: the confusion matrices and the wrong predictions in the Grad-CAM grid (✗); the evaluation view lists the top losses.'),
    author(38, 'Study limitations, including potential bias, statistical uncertainty and generalizability', confounders.length ? `The tool found ${confounders.length} confounder warning${confounders.length === 1 ? '' : 's'} (Dataset).` : ''),
    author(39, 'Implications for practice, including the intended use and/or clinical role'),
    author(40, 'Registration number and name of registry'),
    author(41, 'Where the full study protocol can be accessed'),
    author(42, 'Sources of funding and other support; role of funders'),
  ];
  const done = items.filter((i) => i.status === 'filled').length;
  return {
    id: 'claim', title: 'CLAIM checklist',
    blocks: [
      { kind: 'paragraph', text: `The Checklist for Artificial Intelligence in Medical Imaging (Mongan, Moy and Kahn, Radiology: Artificial Intelligence 2020). ${done} of ${items.length} items are filled from the runs (✓, with where to find them); the other ${items.length - done} are for the author (✎).` },
      { kind: 'checklist', items },
    ],
  };
}
