/**
 * The OpenAPI 3 document served at GET /api/v1/openapi.json, written by hand: it documents the
 * answers (which fastify does not validate: they come from SQL) as well as the requests.
 * test/http/openapi.test.ts checks that every route the server registers is described here.
 */
import { VERSION } from '../version.js';
import { UUID_PATTERN } from './schemas.js';

const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (description: string) => json(ref('Errors'), description);

const ID = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid', pattern: UUID_PATTERN } };
const PROVIDER = { name: 'provider', in: 'path', required: true, schema: { type: 'string', enum: ['mysql', 'postgres', 'sqlserver', 'hive'] } };
const CONNECTION_QUERY = ['server', 'port', 'database', 'username', 'password', 'sslmode', 'encrypt', 'trust_server_certificate', 'schema']
  .map((name) => ({ name, in: 'query', required: false, schema: { type: name === 'port' ? 'integer' : 'string' } }));

const COMMON_ERRORS = {
  401: errors('Missing, unknown or revoked API key'),
  404: errors('Unknown id, another role\'s id, or not a uuid'),
  500: errors('Unexpected error (logged by the sidecar)'),
  503: errors('The database (or, for tables/connect, any sidecar) is not reachable'),
};
const VALIDATION_ERRORS = {
  400: errors('Invalid parameters: the SQL API\'s messages, one per line, with error_code 1502 (or 1501: provider disabled)'),
  403: errors('The key\'s role may not do this (no CREATE on its target schema, not a cdb_connector_user, a plan limit)'),
};

const connectorBody = { required: true, content: { 'application/json': { schema: ref('ImportRequest') } } };
const connectionBody = { required: true, content: { 'application/json': { schema: ref('ConnectionRequest') } } };

const CANCELLED = { cancelled: { type: 'boolean', description: 'true: it was enqueued or running and is stopping; false: nothing was running (already finished)' } };
const importCancel = (method: string) => ({
  summary: `Cancel an import (cdb_connector_cancel)${method === 'post' ? '; same as PUT' : ''}`,
  description: 'The import stops (state cancelled, error 1509); a running one shows importing until the sidecar has stopped it. A finished import is left as it is (cancelled: false). A sync id, an unknown or another role\'s id: 404, nothing cancelled.',
  parameters: [ID],
  responses: { 200: json({ allOf: [ref('ImportStatus'), { type: 'object', properties: CANCELLED }] }, 'The status after the cancel, plus cancelled'), 403: VALIDATION_ERRORS[403], ...COMMON_ERRORS },
});
const syncCancel = (method: string) => ({
  summary: `Cancel a sync table's run in flight (cdb_connector_cancel)${method === 'post' ? '; same as PUT' : ''}`,
  description: 'The sync keeps its table and data and runs again at its next interval. cancelled: false when no run was queued or running.',
  parameters: [ID],
  responses: { 200: json({ allOf: [ref('Synchronization'), { type: 'object', properties: CANCELLED }] }, 'The synchronization object, plus cancelled'), 403: VALIDATION_ERRORS[403], ...COMMON_ERRORS },
});

export const OPENAPI_DOCUMENT = {
  openapi: '3.0.3',
  info: {
    title: 'pg-connector-bridge HTTP API',
    version: VERSION,
    description: 'CARTO-compatible Import API for database connectors, served by the sidecar. Every request runs the SQL API as the PostgreSQL role of its API key (SELECT cdb_connector_create_api_key(\'alice\')).',
  },
  security: [{ apiKeyQuery: [] }, { bearer: [] }],
  paths: {
    '/api/v1/imports': {
      post: {
        summary: 'Import a remote table or query (with "interval": create a sync table)',
        description: 'Calls cdb_connector_import(body). Also served at /api/v1/imports/ (trailing slash), as in CARTO\'s curl examples.',
        requestBody: connectorBody,
        responses: { 200: json({ oneOf: [ref('ImportCreated'), ref('Synchronization')] }, 'Enqueued; the synchronization object when "interval" was given'), ...VALIDATION_ERRORS, ...COMMON_ERRORS },
      },
      get: {
        summary: 'Ids of the caller\'s imports still enqueued or importing',
        responses: { 200: json({ type: 'object', properties: { imports: { type: 'array', items: { type: 'string', format: 'uuid' } }, success: { type: 'boolean' } } }, 'Ids'), ...COMMON_ERRORS },
      },
    },
    '/api/v1/imports/{id}': {
      get: {
        summary: 'Status of an import (cdb_connector_import_status)',
        parameters: [ID],
        responses: { 200: json(ref('ImportStatus'), 'The status'), ...COMMON_ERRORS },
      },
    },
    '/api/v1/imports/{id}/cancel': { put: importCancel('put'), post: importCancel('post') },
    '/api/v1/synchronizations': {
      post: {
        summary: 'Create a sync table (cdb_connector_sync); "interval" is required',
        requestBody: connectorBody,
        responses: { 200: json(ref('Synchronization'), 'The synchronization object; its first run is enqueued'), ...VALIDATION_ERRORS, ...COMMON_ERRORS },
      },
      get: {
        summary: 'The caller\'s sync tables',
        responses: { 200: json({ type: 'object', properties: { synchronizations: { type: 'array', items: ref('Synchronization') }, total_entries: { type: 'integer' } } }, 'All visible syncs'), ...COMMON_ERRORS },
      },
    },
    '/api/v1/synchronizations/{id}': {
      get: { summary: 'One sync table', parameters: [ID], responses: { 200: json(ref('Synchronization'), 'The synchronization object'), ...COMMON_ERRORS } },
      delete: { summary: 'Stop syncing (cdb_connector_unsync); the table stays', parameters: [ID], responses: { 204: { description: 'Unsynced' }, ...COMMON_ERRORS } },
    },
    '/api/v1/synchronizations/{id}/sync_now': {
      put: {
        summary: 'Run a sync now (cdb_connector_sync_now)',
        parameters: [ID],
        responses: { 200: json({ allOf: [ref('Synchronization'), { type: 'object', properties: { enqueued: { type: 'boolean' }, synchronization_id: { type: 'string', format: 'uuid' } } }] }, 'The synchronization object'), ...COMMON_ERRORS },
      },
    },
    '/api/v1/synchronizations/{id}/cancel': { put: syncCancel('put'), post: syncCancel('post') },
    '/api/v1/connectors': {
      get: {
        summary: 'Providers, keyed by id',
        responses: { 200: json({ type: 'object', additionalProperties: { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string', nullable: true }, enabled: { type: 'boolean' } } } }, 'Providers'), ...COMMON_ERRORS },
      },
    },
    '/api/v1/connectors/{provider}': {
      get: {
        summary: 'A provider\'s parameters and defaults (cdb_connector_providers)',
        parameters: [PROVIDER],
        responses: { 200: json({ type: 'object', properties: { name: { type: 'string' }, enabled: { type: 'boolean' }, default_port: { type: 'integer' }, default_schema: { type: 'string', nullable: true }, features: { type: 'object' }, parameters: { type: 'object' } } }, 'The provider'), ...COMMON_ERRORS },
      },
    },
    '/api/v1/connectors/{provider}/tables': {
      get: {
        summary: 'Remote tables (at most max_listed_tables, 500); connection in query parameters',
        description: 'A password in a URL ends up in proxies\' access logs: prefer the POST form.',
        parameters: [PROVIDER, ...CONNECTION_QUERY],
        responses: { 200: json(ref('Tables'), 'Tables; header X-Tables-Truncated: true when the list was cut'), ...VALIDATION_ERRORS, ...COMMON_ERRORS },
      },
      post: {
        summary: 'Remote tables; connection in the body',
        parameters: [PROVIDER],
        requestBody: connectionBody,
        responses: { 200: json(ref('Tables'), 'Tables; header X-Tables-Truncated'), ...VALIDATION_ERRORS, ...COMMON_ERRORS },
      },
    },
    '/api/v1/connectors/{provider}/connect': {
      get: {
        summary: 'Check a connection; connection in query parameters',
        parameters: [PROVIDER, ...CONNECTION_QUERY],
        responses: { 200: json(ref('Connected'), 'Connected'), 400: json(ref('Connected'), 'Not connected (errors, error_code) or invalid parameters'), ...COMMON_ERRORS },
      },
      post: {
        summary: 'Check a connection; connection in the body',
        parameters: [PROVIDER],
        requestBody: connectionBody,
        responses: { 200: json(ref('Connected'), 'Connected'), 400: json(ref('Connected'), 'Not connected, or invalid parameters'), ...COMMON_ERRORS },
      },
    },
    '/api/v1/connectors/{provider}/preview': {
      post: {
        summary: 'Preview an import: its columns (local names and types) and sample rows (cdb_connector_request(\'preview\', …))',
        description: 'The same body as tables/connect plus table or sql_query, and rows (0–100, default 10). POST only: the connection stays out of URLs.',
        parameters: [PROVIDER],
        requestBody: { required: true, content: { 'application/json': { schema: ref('PreviewRequest') } } },
        responses: { 200: json(ref('Preview'), 'What the import would create, and up to rows rows'), ...VALIDATION_ERRORS, 400: errors('Invalid parameters (error_code 1502, or 1501), rows outside 0–100, or the remote side failed (its error_code: 1503 login, 1504 unreachable, 1506 no such table, …)'), ...COMMON_ERRORS },
      },
    },
    '/api/v1/openapi.json': {
      get: { summary: 'This document', security: [], responses: { 200: json({ type: 'object' }, 'OpenAPI 3 document') } },
    },
  },
  components: {
    securitySchemes: {
      apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
      bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
    },
    schemas: {
      Errors: {
        type: 'object', required: ['errors'],
        properties: { errors: { type: 'array', items: { type: 'string' } }, error_code: { type: 'integer' } },
      },
      ImportRequest: {
        type: 'object', required: ['connector'],
        description: 'Validated by the SQL API (keys are case-insensitive; unknown keys are rejected). See cdb_connector_providers().',
        properties: {
          connector: {
            type: 'object',
            properties: {
              provider: { type: 'string', enum: ['mysql', 'postgres', 'sqlserver', 'hive'] },
              connection: ref('Connection'),
              schema: { type: 'string' }, table: { type: 'string' }, sql_query: { type: 'string' },
              import_as: { type: 'string' }, encoding: { type: 'string' },
            },
          },
          interval: { type: 'integer', minimum: 900, description: 'Seconds between syncs: makes a sync table' },
        },
      },
      Connection: {
        type: 'object',
        properties: {
          server: { type: 'string' }, port: { type: 'integer' }, database: { type: 'string' }, username: { type: 'string' },
          password: { type: 'string' }, sslmode: { type: 'string', enum: ['require', 'prefer', 'disable', 'verify-ca', 'verify-full'] },
          encrypt: { oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['strict'] }] }, trust_server_certificate: { type: 'boolean' },
        },
      },
      ConnectionRequest: {
        type: 'object', required: ['connection'],
        description: 'The connector object without "provider" (taken from the path).',
        properties: { connection: ref('Connection'), schema: { type: 'string' } },
      },
      PreviewRequest: {
        type: 'object', required: ['connection'],
        description: 'The connector object without "provider" (taken from the path), with table or sql_query, plus rows.',
        properties: {
          connection: ref('Connection'), schema: { type: 'string' }, table: { type: 'string' }, sql_query: { type: 'string' },
          import_as: { type: 'string' }, encoding: { type: 'string' },
          rows: { type: 'integer', minimum: 0, maximum: 100, default: 10, nullable: true, description: 'Sample rows to return' },
        },
      },
      Preview: {
        type: 'object',
        properties: {
          columns: {
            type: 'array',
            description: 'Importable columns in row order, then the skipped ones (local_type "skipped", local_name null)',
            items: { type: 'object', properties: { name: { type: 'string' }, local_name: { type: 'string', nullable: true }, remote_type: { type: 'string' }, local_type: { type: 'string' } } },
          },
          rows: { type: 'array', items: { type: 'array', items: { type: 'string', nullable: true } }, description: 'Values as text in PostgreSQL input form (bytea as \\x hex), SQL NULL as null' },
          warnings: { type: 'array', items: { type: 'object' }, description: 'What an import would change, as in the import status' },
        },
      },
      ImportCreated: {
        type: 'object',
        properties: { item_queue_id: { type: 'string', format: 'uuid' }, success: { type: 'boolean', enum: [true] } },
      },
      ImportStatus: {
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' }, item_queue_id: { type: 'string', format: 'uuid' },
          state: { type: 'string', enum: ['enqueued', 'importing', 'complete', 'failure', 'cancelled'] },
          success: { type: 'boolean' }, table_name: { type: 'string', nullable: true }, target_schema: { type: 'string' },
          rows_fetched: { type: 'integer' }, rows_estimated: { type: 'integer', nullable: true, description: 'From the remote\'s statistics, at most max_rows; null while unknown' }, rows_imported: { type: 'integer', nullable: true }, columns_imported: { type: 'integer', nullable: true },
          warnings: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
          error_code: { type: 'integer', nullable: true }, error_message: { type: 'string', nullable: true },
          get_error_text: { type: 'object', nullable: true, properties: { title: { type: 'string' }, what_about: { type: 'string' } } },
          sync_id: { type: 'string', format: 'uuid', nullable: true }, attempt: { type: 'integer' }, provider: { type: 'string' },
          params: { type: 'object', description: 'The normalised connector object, password "***"' },
          created_at: { type: 'string', format: 'date-time' }, started_at: { type: 'string', format: 'date-time', nullable: true },
          finished_at: { type: 'string', format: 'date-time', nullable: true }, updated_at: { type: 'string', format: 'date-time' },
        },
      },
      Synchronization: {
        type: 'object',
        description: 'CARTO\'s synchronization object (SPEC §5).',
        properties: {
          data_import: { type: 'object', properties: { endpoint: { type: 'string' }, item_queue_id: { type: 'string', format: 'uuid', nullable: true } } },
          id: { type: 'string', format: 'uuid' }, name: { type: 'string', nullable: true }, interval: { type: 'integer' }, url: { type: 'string', nullable: true },
          state: { type: 'string', enum: ['created', 'queued', 'syncing', 'success', 'failure', 'paused'] }, user_id: { type: 'string' },
          created_at: { type: 'string', format: 'date-time' }, updated_at: { type: 'string', format: 'date-time' },
          run_at: { type: 'string', format: 'date-time' }, ran_at: { type: 'string', format: 'date-time', nullable: true },
          modified_at: { type: 'string', format: 'date-time', nullable: true }, etag: { type: 'string', nullable: true },
          checksum: { type: 'string', nullable: true }, log_id: { type: 'string', nullable: true },
          error_code: { type: 'integer', nullable: true }, error_message: { type: 'string', nullable: true }, retried_times: { type: 'integer' },
          service_name: { type: 'string', enum: ['connector'] }, service_item_id: { type: 'string', description: 'Connector parameters as JSON text, password "***"' },
          type_guessing: { type: 'boolean' }, quoted_fields_guessing: { type: 'boolean' }, content_guessing: { type: 'boolean' },
          visualization_id: { type: 'string', nullable: true }, from_external_source: { type: 'boolean' },
          table_name: { type: 'string', nullable: true }, target_schema: { type: 'string' }, last_import_id: { type: 'string', nullable: true },
          paused: { type: 'boolean' }, provider: { type: 'string' },
          paused_reason: { type: 'string', nullable: true, description: 'State paused: the schema changes waiting for cdb_connector_schema_change_approve / _reject (docs/schema-changes.md)' },
        },
      },
      Tables: {
        type: 'array',
        items: { type: 'object', properties: { schema: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string', enum: ['table', 'view', 'other'] } } },
      },
      Connected: {
        type: 'object',
        properties: { connected: { type: 'boolean' }, errors: { type: 'array', items: { type: 'string' } }, error_code: { type: 'integer' } },
      },
    },
  },
} as const;
