import { beforeEach, describe, expect, it } from 'vitest';
import { beginSignIn, codeChallenge, completeSignIn, discover, endSessionUrl, OidcError, type ProviderMetadata } from './oidc';

const settings = { issuer: 'https://idp.city.example.jp', clientId: 'sokei-console', scope: 'openid profile' };
const metadata: ProviderMetadata = {
  issuer: settings.issuer,
  authorization_endpoint: 'https://idp.city.example.jp/auth',
  token_endpoint: 'https://idp.city.example.jp/token',
  end_session_endpoint: 'https://idp.city.example.jp/session/end',
};
const redirect = 'https://sokei.city.example.jp/app/auth/callback';

function b64url(o: object): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
const idToken = (claims: object) => `${b64url({ alg: 'RS256' })}.${b64url(claims)}.sig`;

/** A token endpoint that records what it was sent and answers `reply`. */
function tokenEndpoint(reply: object, status = 200) {
  const sent: URLSearchParams[] = [];
  const fetcher = (async (_url: string, init?: RequestInit) => {
    sent.push(new URLSearchParams(String(init?.body)));
    return new Response(JSON.stringify(reply), { status });
  }) as typeof fetch;
  return { sent, fetcher };
}

async function start(): Promise<URL> {
  return new URL(await beginSignIn(settings, metadata, redirect));
}

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});

describe('sign-in at the provider', () => {
  beforeEach(() => sessionStorage.clear());

  it('asks for a code with S256, a fresh state and nonce each time', async () => {
    const a = await start();
    const b = await start();
    expect(a.origin + a.pathname).toBe(metadata.authorization_endpoint);
    expect(a.searchParams.get('response_type')).toBe('code');
    expect(a.searchParams.get('code_challenge_method')).toBe('S256');
    expect(a.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.searchParams.get('redirect_uri')).toBe(redirect);
    expect(a.searchParams.get('state')).not.toBe(b.searchParams.get('state'));
    expect(a.searchParams.get('nonce')).not.toBe(b.searchParams.get('nonce'));
  });

  it('exchanges the code with the verifier whose challenge it sent, and names the person', async () => {
    const auth = await start();
    const nonce = auth.searchParams.get('nonce');
    const { sent, fetcher } = tokenEndpoint({
      access_token: 'at',
      token_type: 'Bearer',
      id_token: idToken({ iss: settings.issuer, aud: 'sokei-console', nonce, sub: 'kosodate01', name: '子育て 花子' }),
    });
    const cb = new URL(`${redirect}?code=c1&state=${auth.searchParams.get('state')}&iss=${encodeURIComponent(settings.issuer)}`);
    const tokens = await completeSignIn(settings, metadata, cb, redirect, sessionStorage, fetcher);
    expect(tokens).toMatchObject({ accessToken: 'at', name: '子育て 花子' });
    const first = sent[0]!;
    expect(first.get('grant_type')).toBe('authorization_code');
    expect(first.get('code')).toBe('c1');
    expect(await codeChallenge(first.get('code_verifier')!)).toBe(auth.searchParams.get('code_challenge'));
    // The same callback a second time (a replay, a reload) is refused: state is one use.
    await expect(completeSignIn(settings, metadata, cb, redirect, sessionStorage, fetcher)).rejects.toMatchObject({
      code: 'state_mismatch',
    });
    expect(sent).toHaveLength(1);
  });

  it('refuses a callback it did not start, from another issuer, or a denial', async () => {
    const auth = await start();
    const state = auth.searchParams.get('state');
    const { sent, fetcher } = tokenEndpoint({});
    const attempt = async (query: string) => {
      await beginSignIn(settings, metadata, redirect); // a pending sign-in with a new state each time
      const fresh = JSON.parse(sessionStorage.getItem('sokei.oidc.pending')!).state as string;
      return completeSignIn(settings, metadata, new URL(`${redirect}?${query.replace('STATE', fresh)}`), redirect, sessionStorage, fetcher).catch(
        (e: OidcError) => e.code,
      );
    };
    expect(await attempt(`code=c&state=${state}`)).toBe('state_mismatch');
    expect(await attempt(`code=c&state=STATE&iss=${encodeURIComponent('https://evil.example')}`)).toBe('issuer_mismatch');
    expect(await attempt('error=access_denied&state=STATE')).toBe('access_denied');
    expect(await attempt('state=STATE')).toBe('code_missing');
    expect(sent).toHaveLength(0);
  });

  it('refuses an ID token for another client, issuer or nonce', async () => {
    for (const bad of [{ aud: 'other-client' }, { iss: 'https://evil.example' }, { nonce: 'stale' }]) {
      const auth = await start();
      const claims = { iss: settings.issuer, aud: ['sokei-console'], nonce: auth.searchParams.get('nonce'), sub: 'x', ...bad };
      const { fetcher } = tokenEndpoint({ access_token: 'at', token_type: 'Bearer', id_token: idToken(claims) });
      const cb = new URL(`${redirect}?code=c&state=${auth.searchParams.get('state')}`);
      await expect(completeSignIn(settings, metadata, cb, redirect, sessionStorage, fetcher)).rejects.toMatchObject({
        code: 'id_token_invalid',
      });
    }
  });

  it('says so when the token endpoint refuses the code', async () => {
    const auth = await start();
    const { fetcher } = tokenEndpoint({ error: 'invalid_grant' }, 400);
    const cb = new URL(`${redirect}?code=c&state=${auth.searchParams.get('state')}`);
    const e = await completeSignIn(settings, metadata, cb, redirect, sessionStorage, fetcher).catch((x: OidcError) => x);
    expect(e).toBeInstanceOf(OidcError);
    expect((e as OidcError).code).toBe('invalid_grant');
    expect((e as OidcError).message).toMatch(/トークンを受け取れません/);
  });
});

describe('discovery and sign-out', () => {
  it('accepts only the configured issuer', async () => {
    const serve = (doc: object) => (async () => new Response(JSON.stringify(doc))) as unknown as typeof fetch;
    await expect(discover(settings.issuer, serve(metadata))).resolves.toMatchObject({ token_endpoint: metadata.token_endpoint });
    await expect(discover(settings.issuer, serve({ ...metadata, issuer: 'https://evil.example' }))).rejects.toMatchObject({
      code: 'issuer_mismatch',
    });
  });

  it('ends the provider session with the ID token and a way back', () => {
    const u = new URL(endSessionUrl(metadata, settings, 'idt', 'https://sokei.city.example.jp/app/signed-out')!);
    expect(u.searchParams.get('id_token_hint')).toBe('idt');
    expect(u.searchParams.get('post_logout_redirect_uri')).toBe('https://sokei.city.example.jp/app/signed-out');
    expect(endSessionUrl({ ...metadata, end_session_endpoint: undefined }, settings, 'idt', 'x')).toBeNull();
  });
});
