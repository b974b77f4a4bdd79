import { lazy } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { AuthCallbackPage } from './features/auth/AuthCallbackPage';
import { AuthProvider, useAuth } from './features/auth/AuthContext';
import { ExpiredPage, ForbiddenPage, SignedOutPage, SignInPage } from './features/auth/SignInPage';
import { hasRole, type Role } from './features/auth/session';
import { PublicHome } from './features/public/PublicHome';
import { Layout } from './ui/Layout';

// Screens load when first opened: the public home and sign-in do not wait for ECharts.
const EntryPage = lazy(() => import('./features/entry/EntryPage').then((m) => ({ default: m.EntryPage })));
const EvaluationsPage = lazy(() => import('./features/evaluation/EvaluationsPage').then((m) => ({ default: m.EvaluationsPage })));
const ImportPage = lazy(() => import('./features/import/ImportPage').then((m) => ({ default: m.ImportPage })));
const IndicatorPage = lazy(() => import('./features/plans/IndicatorPage').then((m) => ({ default: m.IndicatorPage })));
const PlanDashboard = lazy(() => import('./features/plans/PlanDashboard').then((m) => ({ default: m.PlanDashboard })));
const PlanDiffPage = lazy(() => import('./features/plans/PlanDiffPage').then((m) => ({ default: m.PlanDiffPage })));
const NodeHistoryPage = lazy(() => import('./features/plans/NodeHistoryPage').then((m) => ({ default: m.NodeHistoryPage })));
const PlanTreePage = lazy(() => import('./features/plans/PlanTreePage').then((m) => ({ default: m.PlanTreePage })));
const PlansPage = lazy(() => import('./features/plans/PlansPage').then((m) => ({ default: m.PlansPage })));
const PublicEvaluationPage = lazy(() => import('./features/public/PublicEvaluationPage').then((m) => ({ default: m.PublicEvaluationPage })));
const ReviewPage = lazy(() => import('./features/review/ReviewPage').then((m) => ({ default: m.ReviewPage })));
const SheetsPage = lazy(() => import('./features/sheets/SheetsPage').then((m) => ({ default: m.SheetsPage })));
const SurveyResultsPage = lazy(() => import('./features/surveys/SurveyResultsPage').then((m) => ({ default: m.SurveyResultsPage })));

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
            <Route path="auth/callback" element={<AuthCallbackPage />} />
            <Route path="signed-out" element={<SignedOutPage />} />
            <Route path="expired" element={<ExpiredPage />} />
            <Route path="public/:municipality/:plan/:year" element={<PublicEvaluationPage />} />
            <Route path="surveys/:municipality/:survey" element={<SurveyResultsPage />} />
            <Route path="entry" element={<Staff roles={['editor']}><EntryPage /></Staff>} />
            <Route path="review" element={<Staff roles={['planner']}><ReviewPage /></Staff>} />
            <Route path="import" element={<Staff roles={['planner']}><ImportPage /></Staff>} />
            <Route path="evaluations" element={<Staff roles={['planner']}><EvaluationsPage /></Staff>} />
            <Route path="sheets" element={<Staff roles={['editor', 'planner']}><SheetsPage /></Staff>} />
            <Route path="plans" element={<Staff roles={['viewer', 'editor', 'planner']}><PlansPage /></Staff>} />
            <Route path="plans/:municipality/:plan" element={<Staff roles={['viewer', 'editor', 'planner']}><PlanDashboard /></Staff>} />
            <Route path="plans/:municipality/:plan/tree" element={<Staff roles={['viewer', 'editor', 'planner']}><PlanTreePage /></Staff>} />
            <Route path="plans/:municipality/:plan/diff" element={<Staff roles={['viewer', 'editor', 'planner']}><PlanDiffPage /></Staff>} />
            <Route path="plans/:municipality/:plan/nodes/:node/history" element={<Staff roles={['viewer', 'editor', 'planner']}><NodeHistoryPage /></Staff>} />
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
