import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ErrorBox, Loading, PageTitle } from '../../ui/Status';
import { useAuth } from './AuthContext';
import { homeFor } from './home';
import { completeSignIn, OidcError, type OidcSettings } from './oidc';
import { sessionFromToken } from './session';
import { useConsoleConfig } from './useConsoleConfig';
import { redirectUri, useOidcMetadata } from './useOidc';

// One exchange per callback URL, even when React runs the effect twice (StrictMode, re-renders):
// the state is one use, a second exchange would be refused.
const exchanges = new Map<string, ReturnType<typeof completeSignIn>>();

/** Where the provider sends the browser back: the code becomes the console's session. */
export function AuthCallbackPage() {
  const config = useConsoleConfig();
  const settings: OidcSettings | undefined = config.data?.oidc;
  const metadata = useOidcMetadata(settings);
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    if (!settings || !metadata.data) return;
    const href = window.location.href;
    let run = exchanges.get(href);
    if (!run) {
      run = completeSignIn(settings, metadata.data, new URL(href), redirectUri());
      exchanges.set(href, run);
    }
    let live = true;
    run.then(
      (tokens) => {
        if (!live) return;
        const s = sessionFromToken(tokens.accessToken, tokens.name);
        if (!s || s.roles.length === 0) {
          setError(new OidcError('認証基盤のトークンに総計の役割がありません。システム管理者にお問い合わせください。', 'no_roles'));
          return;
        }
        signIn({ ...s, idToken: tokens.idToken });
        navigate(homeFor(s), { replace: true });
      },
      (e: unknown) => live && setError(e instanceof Error ? e : new Error(String(e))),
    );
    return () => {
      live = false;
    };
  }, [settings, metadata.data, signIn, navigate]);

  const failed = error ?? (metadata.isError ? metadata.error : null);
  if (config.data && !settings) return <Navigate404 />;
  if (!failed) return <Loading what="サインインの結果" />;
  return (
    <div className="max-w-2xl">
      <PageTitle>サインインできませんでした</PageTitle>
      <ErrorBox error={failed} />
      <Link className="text-blue-1000 underline" to="/app/signin">
        サインインをやり直す
      </Link>
    </div>
  );
}

function Navigate404() {
  return (
    <div className="max-w-2xl">
      <PageTitle>この環境では認証基盤でのサインインを使っていません</PageTitle>
      <Link className="text-blue-1000 underline" to="/app/signin">
        サインインへ
      </Link>
    </div>
  );
}
