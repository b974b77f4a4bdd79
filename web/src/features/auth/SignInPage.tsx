import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { Button } from '../../ui/Button';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { useAuth } from './AuthContext';
import { beginSignIn, type OidcSettings } from './oidc';
import { sessionFromToken } from './session';
import { homeFor } from './home';
import { useConsoleConfig } from './useConsoleConfig';
import { redirectUri, useOidcMetadata } from './useOidc';

export function SignInPage() {
  const config = useConsoleConfig();
  const { signIn } = useAuth();
  const navigate = useNavigate();
  if (config.isPending) return <Loading what="サインインの設定" />;
  const roles = config.data?.roles ?? [];
  return (
    <div className="max-w-2xl">
      <PageTitle>サインイン</PageTitle>
      {config.data?.auth === 'dev' ? (
        <>
          <p className="mb-4 text-std-16N-170">
            開発モードです。役割を選んでサインインしてください（トークンは起動時に発行されたものです）。
          </p>
          <ul className="grid gap-3">
            {roles.map((r) => (
              <li key={r.role}>
                <button
                  type="button"
                  className="w-full rounded-8 border border-solid-gray-420 bg-white p-4 text-left hover:bg-blue-50"
                  onClick={() => {
                    const s = sessionFromToken(r.token, r.label);
                    if (!s) return;
                    signIn(s);
                    navigate(homeFor(s));
                  }}
                >
                  <span className="block text-std-18B-160">{r.label}</span>
                  <span className="block text-dns-14N-130 text-solid-gray-700">
                    {describeRole(r.token)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : config.data?.auth === 'oidc' && config.data.oidc ? (
        <OidcSignIn settings={config.data.oidc} />
      ) : (
        <p className="text-std-16N-170">
          職員のサインインはこの環境では設定されていません。公開されている評価結果と調査結果は
          <Link className="text-blue-1000 underline" to="/">
            公開ページ
          </Link>
          からご覧いただけます。
        </p>
      )}
    </div>
  );
}

/** Staff sign in at the city's identity provider (the browser goes there and comes back). */
function OidcSignIn({ settings }: { settings: OidcSettings }) {
  const metadata = useOidcMetadata(settings);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <p className="mb-4 text-std-16N-170">
        職員の方は、庁内の認証基盤でサインインしてください。サインイン後、担当の画面に戻ります。
      </p>
      {metadata.isError && <ErrorBox error={metadata.error} />}
      <Button
        disabled={!metadata.data || busy}
        onClick={async () => {
          if (!metadata.data) return;
          setBusy(true);
          window.location.assign(await beginSignIn(settings, metadata.data, redirectUri()));
        }}
      >
        認証基盤でサインイン
      </Button>
      <p className="mt-6 text-dns-14N-130 text-solid-gray-700">
        公開されている評価結果と調査結果は、サインインせずに
        <Link className="text-blue-1000 underline" to="/">
          公開ページ
        </Link>
        からご覧いただけます。
      </p>
    </>
  );
}

const ROLE_LABEL: Record<string, string> = {
  admin: 'システム管理',
  planner: '企画課（審査・評価・取込）',
  editor: '所管課（実績の入力・提出）',
  viewer: '閲覧',
  public: '公開情報の閲覧',
};

function describeRole(token: string): string {
  const s = sessionFromToken(token, '');
  if (!s) return '';
  return `役割: ${s.roles.map((r) => ROLE_LABEL[r] ?? r).join('、')}`;
}

/** Ends the session when shown (sign-out and expiry land here). */
function useEndSession() {
  const { session, signOut } = useAuth();
  useEffect(() => {
    if (session) signOut();
  }, [session, signOut]);
}

export function SignedOutPage() {
  useEndSession();
  return (
    <div className="max-w-2xl">
      <PageTitle>サインアウトしました</PageTitle>
      <p className="mb-4 text-std-16N-170">ご利用ありがとうございました。</p>
      <Link className="text-blue-1000 underline" to="/app/signin">
        もう一度サインインする
      </Link>
    </div>
  );
}

export function ExpiredPage() {
  useEndSession();
  return (
    <div className="max-w-2xl">
      <PageTitle>サインインの有効期限が切れました</PageTitle>
      <p className="mb-4 text-std-16N-170">
        安全のため、一定時間が過ぎるとサインインは無効になります。保存していない入力は失われています。
      </p>
      <Link className="text-blue-1000 underline" to="/app/signin">
        サインインし直す
      </Link>
    </div>
  );
}

export function ForbiddenPage() {
  return (
    <div className="max-w-2xl">
      <PageTitle>この画面を使う権限がありません</PageTitle>
      <p className="mb-4 text-std-16N-170">
        担当の役割では開けない画面です。必要な場合は企画課またはシステム管理者にお問い合わせください。
      </p>
      <Link className="text-blue-1000 underline" to="/">
        トップへ戻る
      </Link>
    </div>
  );
}
