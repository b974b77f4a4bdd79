import type { Plan } from '../../api/client';
import { planParts } from '../../api/client';
import { Field } from '../../ui/Field';

/** The plan whose indicators are tracked yearly: an adopted 実施計画 first, else the first plan. */
export function trackedPlan(plans: Plan[]): string {
  const pick =
    plans.find((p) => p.layer === 'PLAN_LAYER_IMPLEMENTATION_PLAN' && p.status === 'PLAN_STATUS_ADOPTED') ??
    plans.find((p) => p.layer === 'PLAN_LAYER_IMPLEMENTATION_PLAN') ??
    plans[0];
  return pick ? planParts(pick.name ?? '').plan : '';
}

export function PlanPicker({ plans, value, onChange }: { plans: Plan[]; value: string; onChange: (plan: string) => void }) {
  return (
    <Field id="plan-picker" label="計画" className="w-full min-w-0 desktop:w-auto">
      <select
        id="plan-picker"
        className="mt-1 min-h-11 w-full min-w-0 rounded-8 border border-solid-gray-600 px-3 desktop:w-auto"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        {plans.map((p) => {
          const id = planParts(p.name ?? '').plan;
          return (
            <option key={id} value={id}>
              {p.displayName}
            </option>
          );
        })}
      </select>
    </Field>
  );
}
