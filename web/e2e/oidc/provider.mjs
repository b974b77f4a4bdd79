// A real OpenID Connect provider for the console's sign-in test (the `oidc-provider` package — the
// certified Node.js implementation — standing in for a city's identity provider). Not part of the
// product: tests/e2e/console_e2e_test.sh starts it.
//
// usage: node provider.mjs WORK_DIR
//   1. listens on a free loopback port, writes WORK_DIR/jwks.json (its public signing key, which the
//      gateway is configured with — keys are never fetched over the network) and prints
//      "oidc-provider listening PORT";
//   2. waits for WORK_DIR/console-url (the gateway started with this issuer writes it) and registers
//      the console as a public client (PKCE, no secret) redirecting to CONSOLE/app/auth/callback.
// Access tokens are JWTs for the audience "sokei" carrying the claims the gateway maps to a principal
// (sub, municipality, roles, departments). Staff sign in on a plain Japanese form below.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import Provider from 'oidc-provider';

const work = process.argv[2];
if (!work) throw new Error('usage: node provider.mjs WORK_DIR');

const ACCOUNTS = {
  kosodate01: {
    name: '子育て 花子',
    municipality: '142140',
    roles: ['editor'],
    departments: ['d-hc796d3cb13'], // 子育て支援課 (the department seed 001's import creates)
  },
  kikaku01: { name: '企画 太郎', municipality: '142140', roles: ['planner'], departments: [] },
};
const PASSWORD = 'sokei-e2e';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = randomUUID();
const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
const { d, p, q, dp, dq, qi, ...publicJwk } = jwk;
writeFileSync(join(work, 'jwks.json'), JSON.stringify({ keys: [publicJwk] }));

let handler = (_req, res) => {
  res.statusCode = 503;
  res.end('not ready');
};
const server = createServer((req, res) => handler(req, res));
server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  console.log(`oidc-provider listening ${port}`);
  const urlFile = join(work, 'console-url');
  while (!existsSync(urlFile)) await new Promise((r) => setTimeout(r, 50));
  const consoleUrl = readFileSync(urlFile, 'utf8').trim();
  handler = makeProvider(`http://127.0.0.1:${port}`, consoleUrl);
  console.log(`oidc-provider ready for ${consoleUrl}`);
});

function makeProvider(issuer, consoleUrl) {
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'sokei-console',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [`${consoleUrl}/app/auth/callback`],
        post_logout_redirect_uris: [`${consoleUrl}/app/signed-out`],
      },
    ],
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'sokei'],
    claims: { openid: ['sub'], profile: ['name'] },
    conformIdTokenClaims: false, // the name in the ID token: the access token is the gateway's
    findAccount: (_ctx, id) =>
      ACCOUNTS[id] ? { accountId: id, claims: () => ({ sub: id, name: ACCOUNTS[id].name }) } : undefined,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.body = page('サインアウトの確認', `<p>伊勢原市 職員認証からサインアウトしますか。</p>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">サインアウトする</button>`);
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:sokei:gateway',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'sokei',
          audience: 'sokei',
          accessTokenFormat: 'jwt',
          accessTokenTTL: 3600,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const a = ACCOUNTS[token.accountId];
      return a ? { municipality: a.municipality, roles: a.roles, departments: a.departments } : undefined;
    },
    // The city's own console is a first-party client: no consent screen, the grant is made here.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile');
      grant.addResourceScope('urn:sokei:gateway', 'sokei');
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomUUID()] },
  });
  provider.proxy = false;
  const base = provider.callback();
  return async (req, res) => {
    const m = req.url.match(/^\/interaction\/([^/?]+)/);
    if (!m) return base(req, res);
    try {
      if (req.method === 'GET') {
        const details = await provider.interactionDetails(req, res);
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(loginPage(details.uid, ''));
        return;
      }
      const form = new URLSearchParams(await body(req));
      const login = form.get('login') ?? '';
      if (!ACCOUNTS[login] || form.get('password') !== PASSWORD) {
        const details = await provider.interactionDetails(req, res);
        res.statusCode = 200;
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(loginPage(details.uid, '職員IDまたはパスワードが違います。'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    } catch (e) {
      res.statusCode = 400;
      res.end(String(e));
    }
  };
}

function body(req) {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });
}

function page(title, body) {
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>${title}</title>
<link rel="icon" href="data:,"></head><body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function loginPage(uid, error) {
  return page('伊勢原市 職員認証', `${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}">
<label>職員ID <input name="login" autocomplete="username"></label>
<label>パスワード <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">サインイン</button></form>`);
}
