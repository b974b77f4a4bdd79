// Staff sign-in at the city's OpenID Connect provider: authorization code flow with PKCE (RFC 7636,
// S256) as a public client — no secret lives in the browser. The console keeps the provider's access
// token for the gateway (which verifies it against the provider's keys) and the ID token only to
// name the person and to end the provider's session at sign-out.
//
// Checks made here: the discovery document names the configured issuer; the callback's state is
// the one this browser sent (one use); `iss` on the callback, when present, is the issuer
// (RFC 9207, mix-up); the ID token's iss, aud and nonce match. The ID token's signature is not
// checked in the browser: it comes straight from the token endpoint over TLS (OIDC Core 3.1.3.7),
// and nothing is authorised on it — the gateway verifies the access token on every request.

export interface OidcSettings {
  issuer: string;
  clientId: string;
  scope: string;
}

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

export interface OidcTokens {
  accessToken: string;
  idToken: string;
  name: string; // the ID token's name (or sub), for the header
}

/** A sign-in that cannot go on, with a message for the person (Japanese) and the provider's code. */
export class OidcError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const PENDING = 'sokei.oidc.pending';

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  issuer: string;
}

export function base64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh random value of `bytes` bytes, base64url (43 characters for 32 bytes). */
export function randomToken(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier. */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

export async function discover(issuer: string, fetcher: typeof fetch = fetch): Promise<ProviderMetadata> {
  const base = issuer.replace(/\/$/, '');
  let r: Response;
  try {
    r = await fetcher(`${base}/.well-known/openid-configuration`);
  } catch {
    throw new OidcError('認証基盤に接続できません。時間をおいてもう一度お試しください。', 'unreachable');
  }
  if (!r.ok) throw new OidcError('認証基盤の設定を読み込めませんでした。', 'discovery_failed');
  const m = (await r.json()) as Partial<ProviderMetadata>;
  if (m.issuer !== issuer || !m.authorization_endpoint || !m.token_endpoint) {
    throw new OidcError('認証基盤の設定が、この環境に登録された発行者と一致しません。', 'issuer_mismatch');
  }
  return m as ProviderMetadata;
}

/** The provider's authorization URL for a new sign-in; remembers state, nonce and verifier. */
export async function beginSignIn(
  settings: OidcSettings,
  metadata: ProviderMetadata,
  redirectUri: string,
  storage: Storage = sessionStorage,
): Promise<string> {
  const pending: Pending = {
    state: randomToken(),
    nonce: randomToken(),
    verifier: randomToken(32),
    issuer: settings.issuer,
  };
  storage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri,
    scope: settings.scope,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await codeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (!part) throw new OidcError('認証基盤の応答を読めませんでした。', 'id_token_malformed');
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/** Finishes a sign-in from the callback URL: checks it, exchanges the code, checks the ID token. */
export async function completeSignIn(
  settings: OidcSettings,
  metadata: ProviderMetadata,
  callback: URL,
  redirectUri: string,
  storage: Storage = sessionStorage,
  fetcher: typeof fetch = fetch,
): Promise<OidcTokens> {
  const raw = storage.getItem(PENDING);
  storage.removeItem(PENDING); // one use, whatever happens next
  const params = callback.searchParams;
  const error = params.get('error');
  if (error) {
    throw new OidcError(
      error === 'access_denied' ? 'サインインが取り消されました。' : '認証基盤がサインインを受け付けませんでした。',
      error,
    );
  }
  const pending = raw ? (JSON.parse(raw) as Pending) : null;
  if (!pending || params.get('state') !== pending.state || pending.issuer !== settings.issuer) {
    throw new OidcError('このサインインの応答は、このブラウザーで始めたものではありません。もう一度サインインしてください。', 'state_mismatch');
  }
  const iss = params.get('iss');
  if (iss !== null && iss !== settings.issuer) {
    throw new OidcError('別の認証基盤からの応答です。', 'issuer_mismatch');
  }
  const code = params.get('code');
  if (!code) throw new OidcError('認証基盤の応答にコードがありません。', 'code_missing');
  const r = await fetcher(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: settings.clientId,
      code_verifier: pending.verifier,
    }).toString(),
  });
  const body = (await r.json().catch(() => ({}))) as Record<string, unknown>;
  if (!r.ok || typeof body.access_token !== 'string' || typeof body.id_token !== 'string') {
    throw new OidcError('認証基盤からトークンを受け取れませんでした。もう一度サインインしてください。', String(body.error ?? 'token_failed'));
  }
  if (String(body.token_type ?? '').toLowerCase() !== 'bearer') {
    throw new OidcError('認証基盤の応答を読めませんでした。', 'token_type');
  }
  const id = claimsOf(body.id_token);
  const aud = Array.isArray(id.aud) ? id.aud : [id.aud];
  if (id.iss !== settings.issuer || !aud.includes(settings.clientId) || id.nonce !== pending.nonce) {
    throw new OidcError('認証基盤の応答がこのサインインのものではありません。', 'id_token_invalid');
  }
  const name = typeof id.name === 'string' && id.name ? id.name : String(id.sub ?? '');
  return { accessToken: body.access_token, idToken: body.id_token, name };
}

/** Where to send the browser to end the provider's session too (RP-initiated logout), if it can. */
export function endSessionUrl(
  metadata: ProviderMetadata,
  settings: OidcSettings,
  idToken: string,
  postLogoutRedirectUri: string,
): string | null {
  if (!metadata.end_session_endpoint) return null;
  const url = new URL(metadata.end_session_endpoint);
  url.search = new URLSearchParams({
    id_token_hint: idToken,
    client_id: settings.clientId,
    post_logout_redirect_uri: postLogoutRedirectUri,
  }).toString();
  return url.toString();
}
