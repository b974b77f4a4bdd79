// Citizens: the published evaluations, with no sign-in.
import { Link } from 'react-router-dom';
import { planParts } from '../../api/client';
import { warekiFiscalYear } from '../../lib/fiscal';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { useConsoleConfig } from '../auth/useConsoleConfig';
import { useEvaluations, useEvaluationsOf } from '../evaluation/useEvaluations';
import { usePlans } from '../plans/usePlans';
import { useSurveys } from '../surveys/useSurveys';

export function PublicHome() {
  const config = useConsoleConfig();
  const municipality = config.data?.municipality ?? '';
  const plans = usePlans(municipality);
  const lists = useEvaluationsOf(municipality, (plans.data ?? []).map((p) => planParts(p.name ?? '').plan));
  const settled = plans.isSuccess && lists.every((l) => !l.isPending);
  const nothingPublished = settled && lists.every((l) => (l.data ?? []).length === 0);
  return (
    <>
      <PageTitle>総合計画の評価結果</PageTitle>
      <p className="mb-6 max-w-3xl text-std-16N-170">
        市の総合計画に掲げた指標の達成状況と評価を公表しています。各年度の評価結果をご覧ください。
      </p>
      {(config.isPending || plans.isPending) && <Loading what="公表されている計画" />}
      {plans.error && <ErrorBox error={plans.error} />}
      {nothingPublished && (
        <p className="mb-4 rounded-8 border border-solid-gray-420 p-4 text-std-16N-170" data-testid="nothing-published">
          公表されている評価結果はまだありません。評価がまとまり次第、ここに掲載します。
        </p>
      )}
      <ul className="grid gap-4">
        {(plans.data ?? []).map((p) => (
          <PlanEvaluations key={p.name} name={p.name ?? ''} title={p.displayName ?? ''} />
        ))}
      </ul>
      <PublishedSurveys municipality={municipality} />
    </>
  );
}

/** Surveys the city has published (a citizen's token, or none, sees only those). */
function PublishedSurveys({ municipality }: { municipality: string }) {
  const surveys = useSurveys(municipality);
  const published = (surveys.data ?? []).filter((s) => s.status === 'SURVEY_STATUS_PUBLISHED');
  if (published.length === 0) return null;
  return (
    <section aria-labelledby="surveys" className="mt-8">
      <h2 id="surveys" className="mb-2 text-std-24B-150">
        市民意識調査の結果
      </h2>
      <ul className="grid gap-2">
        {published.map((s) => (
          <li key={s.name}>
            <Link className="text-std-16N-170 text-blue-1000 underline" to={`/app/surveys/${municipality}/${(s.name ?? '').split('/')[3]}`}>
              {s.displayName}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

function PlanEvaluations({ name, title }: { name: string; title: string }) {
  const { municipality, plan } = planParts(name);
  const list = useEvaluations(municipality, plan);
  if (!list.data || list.data.length === 0) return null;
  return (
    <li className="rounded-8 border border-solid-gray-420 p-4">
      <h2 className="mb-2 text-std-20B-150">{title}</h2>
      <ul className="flex flex-wrap gap-2">
        {list.data.map((e) => (
          <li key={e.name}>
            <Link className="text-std-16N-170 text-blue-1000 underline" to={`/app/public/${municipality}/${plan}/${e.fiscalYear}`}>
              {warekiFiscalYear(e.fiscalYear ?? 0)}の評価結果
            </Link>
          </li>
        ))}
      </ul>
    </li>
  );
}
