/**
 * CARTO's connectors API takes the connection in query parameters:
 *   GET /api/v1/connectors/mysql/tables?server=…&database=…&username=…&password=…&api_key=…
 * This turns them into the connector object the SQL API validates. Query values are all
 * strings, so the keys the SQL API wants as JSON numbers or booleans are converted when they
 * look like one (anything else is passed as the string, and SQL's message names the key).
 * `schema` is a connector key (which remote schema to list); every other parameter is a
 * connection key, unknown ones included, so SQL rejects them with its usual message.
 */

/** Query parameters that are not connection parameters at all. */
const NOT_CONNECTION = new Set(['api_key']);
const CONNECTOR_LEVEL = new Set(['schema']);
const INTEGER_KEYS = new Set(['port']);
const BOOLEAN_KEYS = new Set(['encrypt', 'trust_server_certificate']);

function typed(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (INTEGER_KEYS.has(key) && /^\d{1,9}$/.test(value)) return Number(value);
  if (BOOLEAN_KEYS.has(key) && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** `{"connection": {…}, "schema"?: …}` from a query string (provider comes from the path). */
export function connectorFromQuery(query: Record<string, unknown>): Record<string, unknown> {
  const connector: Record<string, unknown> = {};
  const connection: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const lower = key.toLowerCase();
    if (NOT_CONNECTION.has(lower)) continue;
    if (CONNECTOR_LEVEL.has(lower)) connector[key] = value;
    else connection[key] = typed(lower, value);
  }
  return { ...connector, connection };
}
