// A real OpenID provider for the single sign-on tests: the certified `oidc-provider` package (npm), on
// 127.0.0.1 only, with one confidential client (i-Cabinet), PKCE S256 required, and its development login
// form (any password is accepted for a known account: the tests check i-Cabinet, not the provider).
//
//   node tests/support/oidc_provider.mjs <port> <redirect_uri>[,<redirect_uri>...]
//   env OIDC_CLIENT_ID, OIDC_CLIENT_SECRET (never on the command line)
//
// People (preferred_username: name, unit, groups) are those of tests/support/oidc_provider.py.

import http from "node:http";
import { Provider } from "oidc-provider";

const [port, redirectUris] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || "{}");

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: redirectUris.split(","),
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { methods: ["S256"], required: () => true },
  // the profile claims in the ID token itself (as Keycloak sends them), not only from the userinfo endpoint
  conformIdTokenClaims: false,
  claims: { openid: ["sub"], profile: ["name", "preferred_username", "unit", "groups"] },
  scopes: ["openid", "profile"],
  cookies: { keys: ["oidc-provider-test-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const person = accounts[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: person.name, unit: person.unit, groups: person.groups };
      },
    };
  },
  // i-Cabinet is the organisation's own application: its scopes are granted without a consent screen
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid profile");
    await grant.save();
    return grant;
  },
});

http.createServer(provider.callback()).listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider listening at ${issuer}`);
});
