// Runs graphql-http's GraphQL-over-HTTP server audit against a running server and prints
// one JSON line per audit ({id, name, status, reason?, httpStatus?, body?}), for
// tests/e2e/test_graphql_http_audit.py to judge. Exit code: 0 when every audit is "ok",
// 1 when any is not, 2 on a fatal error (the audit itself could not run).
//
// Usage: node audit.mjs <graphql url> [header: value ...]
import { auditServer } from 'graphql-http';

const [url, ...rawHeaders] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs <graphql url> [header: value ...]');
  process.exit(2);
}

// Extra headers (an API key, say) go on every request the audit makes.
const extra = Object.fromEntries(
  rawHeaders.map((pair) => {
    const at = pair.indexOf(':');
    return [pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim()];
  }),
);
const fetchFn = (input, init = {}) =>
  fetch(input, { ...init, headers: { ...extra, ...(init.headers ?? {}) } });

try {
  const results = await auditServer({ url, fetchFn });
  let failed = false;
  for (const result of results) {
    const line = { id: result.id, name: result.name, status: result.status };
    if (result.status !== 'ok') {
      failed = true;
      line.reason = result.reason;
      line.httpStatus = result.response.status;
      line.contentType = result.response.headers.get('content-type');
      try {
        line.body = (await result.response.text()).slice(0, 500);
      } catch {
        line.body = null; // the audit already read it
      }
    }
    console.log(JSON.stringify(line));
  }
  process.exit(failed ? 1 : 0);
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(2);
}
