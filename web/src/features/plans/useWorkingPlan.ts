// The municipality, plan and fiscal year a staff screen works on: the plan and year live in the
// address (?plan=…&year=…, so a link or a reload keeps them); by default the adopted 実施計画 and
// the fiscal year whose results are reported now.
import { useSearchParams } from 'react-router-dom';
import { useConsoleConfig } from '../auth/useConsoleConfig';
import { useAuth } from '../auth/AuthContext';
import { trackedPlan } from '../entry/PlanPicker';
import { defaultYear } from './YearSelect';
import { usePlans } from './usePlans';
import { usePlan } from './usePlanSummary';

/** The session's municipality; an admin of every municipality ('*') works on the console's. */
export function useWorkingMunicipality(): string {
  const { session } = useAuth();
  const config = useConsoleConfig();
  const m = session?.municipality ?? '';
  return m && m !== '*' ? m : (config.data?.municipality ?? '');
}

export function useWorkingPlan() {
  const municipality = useWorkingMunicipality();
  const [search, setSearch] = useSearchParams();
  const plans = usePlans(municipality);
  const plan = search.get('plan') || trackedPlan(plans.data ?? []);
  const planQ = usePlan(municipality, plan);
  const year = Number(search.get('year')) || defaultYear(planQ.data);
  return {
    municipality,
    plans,
    plan,
    planQ,
    year,
    setPlan: (p: string) => setSearch({ plan: p }),
    setYear: (y: number) => setSearch({ plan, year: String(y) }),
  };
}
