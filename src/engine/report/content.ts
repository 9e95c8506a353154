/** The report's document, section by section, from what the report job gathered. Pure (no file access). */
import type { ReportDocument } from './document';
import type { ReportInput } from './input';
import { auditSection } from './sections/audit';
import { claimSection } from './sections/claim';
import { datasetSection } from './sections/dataset';
import { listWords } from './sections/facts';
import { crossValidationSection } from './sections/crossValidation';
import { confusionSection, curvesSection, gradcamSection, rocSection } from './sections/figures';
import { modelCardSection } from './sections/modelCard';
import { environmentSection, recipeSection } from './sections/recipe';
import { pairedSection, resultsSection } from './sections/results';
import { summarySection } from './sections/summary';

export function reportDocument(input: ReportInput): ReportDocument {
  const { result, runs } = input.comparison;
  const labels = runs.map((r) => r.row.label);
  const crossValidation = crossValidationSection(result);
  return {
    title: result.sweep ? `CXR Lab report: sweep ${result.sweep.id}` : `CXR Lab report: ${labels.length ? listWords(labels) : 'no runs'}`,
    subtitle: [
      `${runs.length} run${runs.length === 1 ? '' : 's'} on ${result.dataset.root || 'no dataset'} · test split · written ${input.generatedAt.replace('T', ' ').slice(0, 16)} UTC by CXR Lab ${input.version}`,
    ],
    sections: [
      summarySection(input),
      datasetSection(input.dataset, input.datasetError, runs),
      recipeSection(runs),
      curvesSection(runs),
      resultsSection(result),
      ...(crossValidation ? [crossValidation] : []),
      pairedSection(result),
      confusionSection(runs),
      rocSection(runs),
      gradcamSection(input.grid, input.gridNote),
      auditSection(runs, input.audits),
      environmentSection(runs, input.version),
      modelCardSection(input),
      claimSection(input),
    ],
  };
}
