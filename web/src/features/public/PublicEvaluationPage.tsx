import { Link, useParams } from 'react-router-dom';
import { warekiFiscalYear } from '../../lib/fiscal';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { EvaluationView } from '../evaluation/EvaluationView';
import { useEvaluation } from '../evaluation/useEvaluations';
import { usePlan } from '../plans/usePlanSummary';

export function PublicEvaluationPage() {
  const { municipality = '', plan = '', year = '' } = useParams();
  const planQ = usePlan(municipality, plan);
  const evaluation = useEvaluation(municipality, plan, year);
  return (
    <>
      <p className="text-dns-14N-130">
        <Link className="text-blue-1000 underline" to="/">
          評価結果の一覧
        </Link>
      </p>
      <PageTitle>
        {planQ.data?.displayName ?? '総合計画'} {warekiFiscalYear(Number(year))}の評価結果
      </PageTitle>
      {evaluation.isPending && <Loading what="評価結果" />}
      {evaluation.error && <ErrorBox error={evaluation.error} />}
      {evaluation.data && <EvaluationView evaluation={evaluation.data} municipality={municipality} plan={plan} />}
    </>
  );
}
