import { Navigate, Route, Routes } from 'react-router-dom';
import { AuthProvider, useAuth } from './features/auth/AuthContext';
import { ExpiredPage, ForbiddenPage, SignedOutPage, SignInPage } from './features/auth/SignInPage';
import { hasRole, type Role } from './features/auth/session';
import { EntryPage } from './features/entry/EntryPage';
import { EvaluationsPage } from './features/evaluation/EvaluationsPage';
import { ImportPage } from './features/import/ImportPage';
import { IndicatorPage } from './features/plans/IndicatorPage';
import { PlanDashboard } from './features/plans/PlanDashboard';
import { PlanTreePage } from './features/plans/PlanTreePage';
import { PlansPage } from './features/plans/PlansPage';
import { PublicEvaluationPage } from './features/public/PublicEvaluationPage';
import { PublicHome } from './features/public/PublicHome';
import { SurveyResultsPage } from './features/surveys/SurveyResultsPage';
import { ReviewPage } from './features/review/ReviewPage';
import { Layout } from './ui/Layout';

/** A staff screen: sign in first; a role that may not use it gets the 403 page. */
function Staff({ roles, children }: { roles: Role[]; children: React.ReactNode }) {
  const { session } = useAuth();
  if (!session) return <Navigate to="/app/signin" replace />;
  if (!hasRole(session, ...roles)) return <ForbiddenPage />;
  return <>{children}</>;
}

export function App() {
  return (
    <AuthProvider>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<PublicHome />} />
          <Route path="app">
            <Route index element={<Navigate to="/" replace />} />
            <Route path="signin" element={<SignInPage />} />
            <Route path="signed-out" element={<SignedOutPage />} />
            <Route path="expired" element={<ExpiredPage />} />
            <Route path="public/:municipality/:plan/:year" element={<PublicEvaluationPage />} />
            <Route path="surveys/:municipality/:survey" element={<SurveyResultsPage />} />
            <Route path="entry" element={<Staff roles={['editor']}><EntryPage /></Staff>} />
            <Route path="review" element={<Staff roles={['planner']}><ReviewPage /></Staff>} />
            <Route path="import" element={<Staff roles={['planner']}><ImportPage /></Staff>} />
            <Route path="evaluations" element={<Staff roles={['planner']}><EvaluationsPage /></Staff>} />
            <Route path="plans" element={<Staff roles={['viewer', 'editor', 'planner']}><PlansPage /></Staff>} />
            <Route path="plans/:municipality/:plan" element={<Staff roles={['viewer', 'editor', 'planner']}><PlanDashboard /></Staff>} />
            <Route path="plans/:municipality/:plan/tree" element={<Staff roles={['viewer', 'editor', 'planner']}><PlanTreePage /></Staff>} />
            <Route path="indicators/:municipality/:indicator" element={<Staff roles={['viewer', 'editor', 'planner']}><IndicatorPage /></Staff>} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Route>
      </Routes>
    </AuthProvider>
  );
}

function NotFound() {
  return (
    <div>
      <h1 className="mb-4 text-std-28B-150">ページが見つかりません</h1>
      <a className="text-blue-1000 underline" href="/">
        トップへ戻る
      </a>
    </div>
  );
}
