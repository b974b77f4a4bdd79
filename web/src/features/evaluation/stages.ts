// The yearly evaluation's stages as the city's documents name them, and what comes next.
import type { Evaluation } from '../../api/client';

export type Stage = NonNullable<Evaluation['stage']>;

export const STAGES: Array<{ stage: Stage; label: string }> = [
  { stage: 'EVALUATION_STAGE_SELF', label: '所管課による自己評価' },
  { stage: 'EVALUATION_STAGE_PLANNING_REVIEW', label: '企画課による評価' },
  { stage: 'EVALUATION_STAGE_COMMITTEE', label: '外部評価委員会による評価' },
  { stage: 'EVALUATION_STAGE_PUBLISHED', label: '公表' },
];

export function stageLabel(stage: Stage | undefined): string {
  return STAGES.find((s) => s.stage === stage)?.label ?? '—';
}

/** The stage after `stage`, or null once published. */
export function nextStage(stage: Stage | undefined): Stage | null {
  const i = STAGES.findIndex((s) => s.stage === stage);
  if (i < 0 || i + 1 >= STAGES.length) return null;
  return STAGES[i + 1]!.stage;
}
