// Drives orgauth with Auth0's official Node SDK, unchanged, the way a SaaS provider and its customer would:
// set up an API, an M2M application, a client grant that requires an organization and two organizations
// (the first associated) through the v7 ManagementClient, then get tokens with the legacy
// AuthenticationClient. Run by compat_test.go, which reads the JSON summary printed on stdout and checks
// the token. Any mismatch fails an assertion and exits non-zero.
//
// Environment: SDK_DOMAIN (host:port of orgauth over HTTPS), SDK_CLIENT_ID and SDK_CLIENT_SECRET (an
// application allowed to call the Management API), NODE_EXTRA_CA_CERTS (the server's certificate).
import assert from "node:assert/strict";
import { ManagementClient } from "auth0";
import { AuthenticationClient, ManagementClient as LegacyManagementClient } from "auth0/legacy";

const { SDK_DOMAIN: domain, SDK_CLIENT_ID: clientId, SDK_CLIENT_SECRET: clientSecret } = process.env;
assert.ok(domain && clientId && clientSecret, "SDK_DOMAIN, SDK_CLIENT_ID and SDK_CLIENT_SECRET must be set");

const audience = "https://example-api";
// The SDK gets its own Management API token by client credentials.
const management = new ManagementClient({ domain, clientId, clientSecret });

const api = await management.resourceServers.create({
  identifier: audience,
  name: "Example API",
  scopes: [
    { value: "read:posts", description: "Read posts" },
    { value: "create:posts", description: "Create posts" },
  ],
});
assert.equal(api.identifier, audience);
assert.match(api.id, /^[0-9a-f]{24}$/);

const app = await management.clients.create({
  name: "Acme bot",
  app_type: "non_interactive",
  grant_types: ["client_credentials"],
});
assert.match(app.client_id, /^[A-Za-z0-9]{32}$/);
assert.match(app.client_secret, /^[A-Za-z0-9_-]{64}$/);

const grant = await management.clientGrants.create({
  client_id: app.client_id,
  audience,
  scope: ["read:posts", "create:posts"],
  organization_usage: "require",
  allow_any_organization: false,
});
assert.match(grant.id, /^cgr_[A-Za-z0-9]{16}$/);
assert.equal(grant.organization_usage, "require");
assert.equal(grant.allow_any_organization, false);

const acme = await management.organizations.create({ name: "acme", display_name: "Acme Inc." });
const globex = await management.organizations.create({ name: "globex" });
assert.match(acme.id, /^org_[A-Za-z0-9]{16}$/);
assert.equal(acme.display_name, "Acme Inc.");

// POST /organizations/{id}/client-grants: the SDK's response type names the grant "id".
const association = await management.organizations.clientGrants.create(acme.id, { grant_id: grant.id });
assert.equal(association.id, grant.id);
assert.equal(association.client_id, app.client_id);
assert.equal(association.audience, audience);
assert.equal(association.organization_usage, "require");

// v7 lists organizations by checkpoint and always sends include_totals=true&take=50.
const orgs = await management.organizations.list({ include_totals: true });
assert.deepEqual(orgs.data.map((o) => o.name).sort(), ["acme", "globex"]);
assert.equal(orgs.hasNextPage(), false);

// The offset form with totals, as the package's legacy client asks for it: page 0 of 1 per page.
const legacy = new LegacyManagementClient({ domain, clientId, clientSecret });
const orgsPage = (await legacy.organizations.getAll({ include_totals: true, page: 0, per_page: 1 })).data;
assert.equal(orgsPage.total, 2);
assert.equal(orgsPage.start, 0);
assert.equal(orgsPage.limit, 1);
assert.equal(orgsPage.organizations.length, 1);

const grants = await management.clientGrants.list({ audience, include_totals: true });
assert.deepEqual(grants.data.map((g) => g.id), [grant.id]);

const orgGrants = await management.organizations.clientGrants.list(acme.id, { include_totals: true });
assert.deepEqual(orgGrants.data.map((g) => g.id), [grant.id]);
assert.equal(orgGrants.response.total, 1);
assert.equal(orgGrants.response.start, 0);
assert.equal(orgGrants.response.limit, 50);
const globexGrants = await management.organizations.clientGrants.list(globex.id, { include_totals: true });
assert.deepEqual(globexGrants.data, []);
assert.equal(globexGrants.response.total, 0);

const byName = await management.organizations.getByName("acme");
assert.equal(byName.id, acme.id);

const settings = await management.tenants.settings.update({
  flags: { allow_organization_name_in_authentication_api: true },
});
assert.equal(settings.flags.allow_organization_name_in_authentication_api, true);

// The customer's side: client credentials for the associated organization ...
const auth = new AuthenticationClient({ domain, clientId: app.client_id, clientSecret: app.client_secret });
const { data: token } = await auth.oauth.clientCredentialsGrant({ audience, organization: acme.id });
assert.equal(token.token_type, "Bearer");
assert.equal(token.expires_in, 86400);
assert.deepEqual(token.scope.split(" ").sort(), ["create:posts", "read:posts"]);

// ... and refused for the other one.
await assert.rejects(auth.oauth.clientCredentialsGrant({ audience, organization: globex.id }), (err) => {
  assert.equal(err.name, "AuthApiError");
  assert.equal(err.statusCode, 403);
  assert.equal(err.error, "access_denied");
  assert.equal(
    err.error_description,
    `Client is not authorized to access "${audience}" on behalf of organization "${globex.id}"`,
  );
  return true;
});

process.stdout.write(
  JSON.stringify({
    client_id: app.client_id,
    grant_id: grant.id,
    org_id: acme.id,
    access_token: token.access_token,
  }) + "\n",
);
