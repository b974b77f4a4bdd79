import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { useAuth } from './AuthContext';
import { discover, endSessionUrl, type OidcSettings } from './oidc';
import { saveSession } from './session';
import { useConsoleConfig } from './useConsoleConfig';

export const CALLBACK_PATH = '/app/auth/callback';
export const redirectUri = () => `${window.location.origin}${CALLBACK_PATH}`;

/** The provider's discovery document (fetched once per page load). */
export function useOidcMetadata(settings: OidcSettings | undefined) {
  return useQuery({
    queryKey: ['oidc-metadata', settings?.issuer],
    queryFn: () => discover(settings!.issuer),
    enabled: !!settings,
    staleTime: Infinity,
    retry: false,
  });
}

/**
 * Sign-out: the console's session ends here; signed in at the city's provider, the browser then
 * goes to the provider to end its session too and comes back to the signed-out page.
 */
export function useSignOut() {
  const { session } = useAuth();
  const config = useConsoleConfig();
  const navigate = useNavigate();
  return async () => {
    const oidc = config.data?.oidc;
    if (session?.idToken && oidc) {
      try {
        const url = endSessionUrl(await discover(oidc.issuer), oidc, session.idToken, `${window.location.origin}/app/signed-out`);
        if (url) {
          saveSession(null);
          window.location.assign(url);
          return;
        }
      } catch {
        // The provider cannot be reached: the console's own session still ends below.
      }
    }
    navigate('/app/signed-out');
  };
}
