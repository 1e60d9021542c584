/**
 * /api/v1/connectors (CARTO's connectors API): providers, one provider's parameters, its remote
 * tables, a connection check, and a preview of an import. Tables, connect and preview need a
 * sidecar to reach the remote server while the caller waits; they use the SQL API's two-step form (cdb_connector_request, then
 * cdb_connector_request_result in a second transaction), because the request must be committed
 * before a sidecar can see it, and the CALL form cannot commit inside our per-request transaction.
 * The connection comes in query parameters like CARTO's (GET) or as a JSON body (POST):
 *   {"connection": {"server": …}, "schema": …}  — the connector object without "provider".
 * Preview is POST only (its table or query and the password belong in a body, not a URL), with
 * the rows count as a body member beside the connector's: {"connection": …, "table": …, "rows": 5}.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callApi, rawBody, type ApiContext } from '../call.js';
import { connectorFromQuery } from '../connection-query.js';
import { notFound } from '../errors.js';
import { apiKeyQuery, objectBody, previewBody, providerParams } from '../schemas.js';

type WithProvider = { Params: { provider: string } };

/** CARTO's display names; the SQL API knows providers only by id. */
const DISPLAY_NAMES: Record<string, string> = {
  mysql: 'MySQL', postgres: 'PostgreSQL', sqlserver: 'Microsoft SQL Server', hive: 'Hive',
};

/** CARTO's `features` of a provider, for what this HTTP API serves. */
const FEATURES = { sql_queries: true, list_databases: false, list_tables: true, preview_table: true } as const;

interface ProviderRow {
  provider: string;
  enabled: boolean;
  default_port: number;
  default_schema: string | null;
  parameters: Record<string, unknown>;
}

const PROVIDERS_SQL = (api: string) =>
  `select coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(p) order by p.provider), '[]') as r from ${api}.cdb_connector_providers() as p`;

/** cdb_connector_preview's default; its range (0–100) is the SQL API's check (22023 → 400). */
const DEFAULT_PREVIEW_ROWS = 10;

/**
 * Stores the request (committed), then waits in a second transaction for a sidecar's answer.
 * A preview's `rows` member is taken out of the body in SQL (the rest stays exactly as sent) and
 * passed as cdb_connector_request's rows argument; the body schema made it an integer or null.
 */
async function ask(ctx: ApiContext, request: FastifyRequest<WithProvider>, kind: 'check' | 'list_tables' | 'preview'): Promise<Record<string, unknown>> {
  const body = request.method === 'POST' ? rawBody(request) : JSON.stringify(connectorFromQuery(request.query as Record<string, unknown>));
  const rows = kind === 'preview' ? (request.body as { rows?: number | null }).rows ?? DEFAULT_PREVIEW_ROWS : DEFAULT_PREVIEW_ROWS;
  const connector = kind === 'preview' ? `($2::jsonb operator(pg_catalog.-) 'rows'::text)` : '$2::jsonb';
  const id = await callApi<string>(ctx, request,
    `select ${ctx.api}.cdb_connector_request($1, pg_catalog.jsonb_build_object('connector', ${connector} operator(pg_catalog.||) pg_catalog.jsonb_build_object('provider', $3::text)), $4::integer) as r`,
    [kind, body, request.params.provider, rows]);
  return callApi(ctx, request, `select ${ctx.api}.cdb_connector_request_result($1::uuid) as r`, [id]);
}

export function registerConnectorRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/connectors', { schema: { querystring: apiKeyQuery } }, async (request) => {
    const providers = await callApi<ProviderRow[]>(ctx, request, PROVIDERS_SQL(ctx.api));
    return Object.fromEntries(providers.map((p) => [p.provider, { name: DISPLAY_NAMES[p.provider] ?? p.provider, description: null, enabled: p.enabled }]));
  });

  app.get<WithProvider>('/api/v1/connectors/:provider', { schema: { params: providerParams, querystring: apiKeyQuery } }, async (request) => {
    const providers = await callApi<ProviderRow[]>(ctx, request, PROVIDERS_SQL(ctx.api));
    const p = providers.find((row) => row.provider === request.params.provider);
    if (!p) throw notFound(`Provider ${request.params.provider} unknown`);
    return {
      name: DISPLAY_NAMES[p.provider] ?? p.provider, description: null, enabled: p.enabled,
      default_port: p.default_port, default_schema: p.default_schema, features: FEATURES, parameters: p.parameters,
    };
  });

  // CARTO answers a bare array of {schema, name}; whether the list was cut at max_listed_tables
  // (500) is in the X-Tables-Truncated header.
  const tables = async (request: FastifyRequest<WithProvider>, reply: FastifyReply) => {
    const answer = await ask(ctx, request, 'list_tables');
    return reply.header('x-tables-truncated', String(answer.truncated === true)).send(answer.tables ?? []);
  };
  app.get<WithProvider>('/api/v1/connectors/:provider/tables', { schema: { params: providerParams } }, tables);
  app.post<WithProvider>('/api/v1/connectors/:provider/tables', { schema: { params: providerParams, querystring: apiKeyQuery, body: objectBody } }, tables);

  // {"connected": true}, or 400 {"connected": false, "errors": [...], "error_code": n} as CARTO.
  const connect = async (request: FastifyRequest<WithProvider>, reply: FastifyReply) => {
    const answer = await ask(ctx, request, 'check');
    return reply.code(answer.connected === true ? 200 : 400).send(answer);
  };
  app.get<WithProvider>('/api/v1/connectors/:provider/connect', { schema: { params: providerParams } }, connect);
  app.post<WithProvider>('/api/v1/connectors/:provider/connect', { schema: { params: providerParams, querystring: apiKeyQuery, body: objectBody } }, connect);

  // cdb_connector_preview's answer as is: {"columns": [{name, local_name, remote_type, local_type}],
  // "rows": [[…], …], "warnings": []}. A remote failure is 400 with its error_code, as for tables.
  app.post<WithProvider>('/api/v1/connectors/:provider/preview', { schema: { params: providerParams, querystring: apiKeyQuery, body: previewBody } },
    (request) => ask(ctx, request, 'preview'));
}
