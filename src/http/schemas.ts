/**
 * JSON schemas of the request shapes (fastify validates them with Ajv before a handler runs).
 * They check only the envelope — ids are uuids, bodies are objects — never the connector object
 * itself: the SQL API validates that, with the same messages for HTTP and SQL users (issue 11 §4).
 */

/** Anything else in an id's place names nothing that can exist: errors.ts answers 404. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Longer than any provider name; keeps hostile path segments out of SQL parameters. */
const MAX_PROVIDER_CHARS = 64;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: UUID_PATTERN } },
} as const;

export const providerParams = {
  type: 'object',
  required: ['provider'],
  properties: { provider: { type: 'string', minLength: 1, maxLength: MAX_PROVIDER_CHARS } },
} as const;

export const objectBody = { type: 'object' } as const;

/**
 * A preview: the connector object without "provider", plus `rows` (how many sample rows; its
 * range 0–100 is the SQL API's check). null means the default.
 */
export const previewBody = {
  type: 'object',
  properties: { rows: { type: ['integer', 'null'] } },
} as const;

export const apiKeyQuery = {
  type: 'object',
  properties: { api_key: { type: 'string' } },
} as const;
