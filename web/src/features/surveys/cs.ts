// The importance × satisfaction (CS) chart: points per 施策 centred on the item means, and the
// city's name for each quadrant, taken from the items that fall in it.
import type { Schemas } from '../../api/client';

export type CsAnalysis = Schemas['sokei.survey.v1.CsAnalysis'];

export interface QuadrantLabels {
  topRight: string;
  topLeft: string;
  bottomLeft: string;
  bottomRight: string;
}

export function quadrantLabels(cs: CsAnalysis): QuadrantLabels {
  const out: QuadrantLabels = { topRight: '', topLeft: '', bottomLeft: '', bottomRight: '' };
  for (const it of cs.items ?? []) {
    if (it.suppressed || !it.quadrant) continue;
    const x = it.x ?? 0;
    const y = it.y ?? 0;
    const key: keyof QuadrantLabels = y >= 0 ? (x >= 0 ? 'topRight' : 'topLeft') : x >= 0 ? 'bottomRight' : 'bottomLeft';
    if (!out[key]) out[key] = it.quadrant;
  }
  return out;
}

/** Points to draw: suppressed items (base below k) are listed, not drawn. */
export function csPoints(cs: CsAnalysis): Array<{ name: string; x: number; y: number; rank: number; quadrant: string }> {
  return (cs.items ?? [])
    .filter((it) => !it.suppressed)
    .map((it) => ({
      name: [it.code, it.displayName].filter(Boolean).join(' '),
      x: it.x ?? 0,
      y: it.y ?? 0,
      rank: it.rank ?? 0,
      quadrant: it.quadrant ?? '',
    }));
}
