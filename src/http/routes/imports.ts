/**
 * /api/v1/imports (CARTO Import API, SPEC §11): create an import (or, with "interval", a sync
 * table), list unfinished ones, read one's status. Thin: one SQL API call each.
 */
import type { FastifyInstance } from 'fastify';
import { callApi, rawBody, type ApiContext } from '../call.js';
import { apiKeyQuery, idParams, objectBody } from '../schemas.js';

export function registerImportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // `{"item_queue_id", "success": true}`; with "interval" the synchronization object.
  app.post('/api/v1/imports', { schema: { querystring: apiKeyQuery, body: objectBody } }, (request) =>
    callApi(ctx, request, `select ${ctx.api}.cdb_connector_import($1::jsonb, $2::pg_catalog.name) as r`, (s) => [rawBody(request), s.schema]));

  // CARTO: the ids of the caller's imports still in progress.
  app.get('/api/v1/imports', { schema: { querystring: apiKeyQuery } }, async (request) => ({
    imports: await callApi(ctx, request,
      `select coalesce(pg_catalog.jsonb_agg(i.id order by i.created_at), '[]') as r from cdb_connectors.imports as i
        where i.state in ('enqueued', 'importing')`),
    success: true,
  }));

  // Unknown id and another role's id are both P0002 → 404.
  app.get<{ Params: { id: string } }>('/api/v1/imports/:id', { schema: { params: idParams, querystring: apiKeyQuery } }, (request) =>
    callApi(ctx, request, `select ${ctx.api}.cdb_connector_import_status($1::uuid) as r`, [request.params.id]));
}
