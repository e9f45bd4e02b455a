// A real OpenID Connect provider for the single sign-on tests: panva's certified
// oidc-provider with its development sign-in pages (any login; its groups below).
//   PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (comma-separated), ACCOUNTS (JSON:
//   {"login": {"name": "...", "groups": ["..."]}})
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: process.env.REDIRECT_URIS.split(','),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'groups'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['linewise-test-only'] },
  async findAccount(_ctx, id) {
    const account = accounts[id] ?? { name: id, groups: [] };
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          name: account.name,
          preferred_username: id,
          email: `${id}@example.test`,
          groups: account.groups,
        };
      },
    };
  },
});
// The development pages warn on every start; the test reads "ready" only.
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
