/** Status-bar text of a live training. Pure. */
import type { TrainingProgress } from '../../shared/webviewProtocol';
import { formatDurationShort } from '../../shared/format';

export function statusText(backend: string | undefined, p: TrainingProgress | undefined, epochs: number): string {
  const parts = [`$(pulse) CXR Lab: ${backend || 'engine'}`];
  if (p?.epoch !== undefined) parts.push(`epoch ${p.epoch}/${p.epochs ?? epochs}`);
  else parts.push(p ? p.phase : 'starting');
  if (p?.etaSeconds !== undefined) parts.push(`ETA ${formatDurationShort(p.etaSeconds)}`);
  return parts.join(' · ');
}
