// The set-up of OAuth end-to-end suites: an API published by the admin in front of a backend,
// and a consumer who signed up and subscribed their default application to it.
import { gqlOk, login } from './gql.ts';

export interface SubscribedConsumer {
  admin: string;
  apiId: string;
  /** The consumer's default application, subscribed (Unlimited) to the API. */
  appId: string;
  /** The consumer's access token for /graphql. */
  token: string;
}

export async function subscribedConsumer(
  baseUrl: string,
  adminPassword: string,
  opts: { api: { name: string; context: string; backendUrl: string; target: string }; username: string; password: string },
): Promise<SubscribedConsumer> {
  const admin = await login(baseUrl, 'admin', adminPassword);
  const { api } = opts;
  const created = await gqlOk(baseUrl, 'mutation($i: CreateApiInput!) { createApi(input: $i) { id } }', {
    i: { name: api.name, context: api.context, version: '1.0.0', endpoints: { production: api.backendUrl }, operations: [{ verb: 'GET', target: api.target }] },
  }, admin);
  const apiId = created.createApi.id as string;
  await gqlOk(baseUrl, `mutation { changeLifecycle(apiId: "${apiId}", action: PUBLISH) { lifecycleStatus } }`, {}, admin);
  await gqlOk(baseUrl, 'mutation($u: String!, $p: String!) { signUp(username: $u, password: $p) { username } }', { u: opts.username, p: opts.password });
  const token = await login(baseUrl, opts.username, opts.password);
  const appId = (await gqlOk(baseUrl, '{ applications { id } }', {}, token)).applications[0].id as string;
  await gqlOk(baseUrl, `mutation { subscribe(applicationId: "${appId}", apiId: "${apiId}", throttlingPolicy: "Unlimited") { id } }`, {}, token);
  return { admin, apiId, appId, token };
}
