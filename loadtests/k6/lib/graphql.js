// GraphQL over HTTP the way the dashboard sends it, with checks that fail on any `errors` entry:
// a 200 with errors is a failed request for the objectives, not a success.
import { check } from "k6";
import http from "k6/http";
import { Rate } from "k6/metrics";

export const graphqlErrors = new Rate("graphql_errors");

export function graphql(target, query, variables, tags) {
  const res = http.post(`${target.baseUrl}/graphql`, JSON.stringify({ query, variables }), {
    headers: { "content-type": "application/json", authorization: `Bearer ${target.token}` },
    tags,
  });
  let body;
  try {
    body = res.json();
  } catch {
    body = undefined;
  }
  const failed = !body || body.errors !== undefined || body.data === undefined || body.data === null;
  graphqlErrors.add(failed, tags);
  check(res, {
    [`${tags.op}: status 200`]: (r) => r.status === 200,
    [`${tags.op}: no errors`]: () => !failed,
  }, tags);
  if (failed && __ENV.VERBOSE_ERRORS) console.warn(`${tags.op} failed: ${res.status} ${String(res.body).slice(0, 300)}`);
  return failed ? undefined : body.data;
}
