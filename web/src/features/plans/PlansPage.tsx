import { Link } from 'react-router-dom';
import { planParts } from '../../api/client';
import { usePlans } from './usePlans';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { useWorkingMunicipality } from './useWorkingPlan';

const STATUS: Record<string, string> = {
  PLAN_STATUS_DRAFT: '案',
  PLAN_STATUS_ADOPTED: '策定済',
  PLAN_STATUS_SUPERSEDED: '改定済',
  PLAN_STATUS_ARCHIVED: '終了',
};

export function PlansPage() {
  const municipality = useWorkingMunicipality();
  const plans = usePlans(municipality);
  return (
    <>
      <PageTitle>計画と達成状況</PageTitle>
      {plans.isPending && <Loading what="計画の一覧" />}
      {plans.error && <ErrorBox error={plans.error} />}
      <ul className="grid gap-3">
        {(plans.data ?? []).map((p) => {
          const { plan } = planParts(p.name ?? '');
          return (
            <li key={p.name} className="rounded-8 border border-solid-gray-420 p-4">
              <Link
                className="text-std-18B-160 text-blue-1000 underline"
                to={`/app/plans/${municipality}/${plan}`}
              >
                {p.displayName}
              </Link>
              <p className="text-dns-14N-130 text-solid-gray-700">
                {p.period?.startYear}〜{p.period?.endYear}年度 ・ {STATUS[p.status ?? ''] ?? p.status} ・{' '}
                <Link className="text-blue-1000 underline" to={`/app/plans/${municipality}/${plan}/tree`}>
                  体系と重点的な取組
                </Link>
                {p.supersedes && (
                  <>
                    {' ・ '}
                    <Link className="text-blue-1000 underline" to={`/app/plans/${municipality}/${plan}/diff`}>
                      前の版との差分
                    </Link>
                  </>
                )}
              </p>
            </li>
          );
        })}
      </ul>
    </>
  );
}
