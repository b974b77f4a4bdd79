import { Suspense } from 'react';
import { Link, NavLink, Outlet } from 'react-router-dom';
import { useAuth } from '../features/auth/AuthContext';
import { hasRole } from '../features/auth/session';
import { useSignOut } from '../features/auth/useOidc';
import { Loading } from './Status';

function NavItem({ to, children }: { to: string; children: React.ReactNode }) {
  return (
    <NavLink
      to={to}
      className={({ isActive }) =>
        `block rounded-4 px-3 py-2 text-dns-16N-130 underline-offset-4 hover:underline ${
          isActive ? 'bg-blue-100 font-bold text-blue-1000' : 'text-solid-gray-800'
        }`
      }
    >
      {children}
    </NavLink>
  );
}

/** Header, navigation by role, and the page. Works from 390 px (stacked) to desktop. */
export function Layout() {
  const { session } = useAuth();
  const signOut = useSignOut();
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:bg-white focus:p-2"
      >
        本文へ移動
      </a>
      <header className="border-b border-solid-gray-420 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-2 px-4 py-3">
          <Link to="/" className="text-std-20B-150 text-blue-1000 no-underline">
            総計 <span className="text-dns-14N-130 text-solid-gray-700">総合計画の進行管理</span>
          </Link>
          <div className="flex items-center gap-3 text-dns-14N-130">
            {session ? (
              <>
                <span data-testid="who">{session.label}</span>
                <button
                  type="button"
                  className="whitespace-nowrap rounded-4 border border-solid-gray-420 px-3 py-2 hover:bg-solid-gray-50"
                  // The signed-out page ends the session (ended here, the staff screen would first
                  // send us to sign-in); signed in at the city's provider, its session ends too.
                  onClick={() => void signOut()}
                >
                  サインアウト
                </button>
              </>
            ) : (
              <Link className="text-blue-1000 underline" to="/app/signin">
                職員サインイン
              </Link>
            )}
          </div>
        </div>
        {session && (
          <nav aria-label="メイン" className="mx-auto max-w-7xl px-4 pb-2">
            <ul className="flex flex-wrap gap-1">
              {session.roles.includes('editor') && (
                <li>
                  <NavItem to="/app/entry">実績の入力</NavItem>
                </li>
              )}
              {hasRole(session, 'planner') && (
                <li>
                  <NavItem to="/app/review">提出の確認</NavItem>
                </li>
              )}
              {hasRole(session, 'editor', 'planner') && (
                <li>
                  <NavItem to="/app/sheets">評価シート</NavItem>
                </li>
              )}
              {hasRole(session, 'viewer', 'editor', 'planner') && (
                <li>
                  <NavItem to="/app/plans">計画と達成状況</NavItem>
                </li>
              )}
              {hasRole(session, 'planner') && (
                <li>
                  <NavItem to="/app/evaluations">評価</NavItem>
                </li>
              )}
              {hasRole(session, 'planner') && (
                <li>
                  <NavItem to="/app/import">進捗表の取り込み</NavItem>
                </li>
              )}
              <li>
                <NavItem to="/">公開情報</NavItem>
              </li>
            </ul>
          </nav>
        )}
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-4">
        <Suspense fallback={<Loading what="画面" />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="mt-8 border-t border-solid-gray-420 px-4 py-4 text-dns-14N-130 text-solid-gray-700">
        総計 — 自治体の総合計画と行政評価のためのシステム
      </footer>
    </div>
  );
}
