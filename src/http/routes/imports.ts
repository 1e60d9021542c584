/**
 * /api/v1/imports (CARTO Import API, SPEC §11): create an import (or, with "interval", a sync
 * table), list unfinished ones, read one's status, cancel one. Thin: one SQL API call each
 * (cancel: the call between two status reads, in one transaction).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callApi, callApiSteps, rawBody, type ApiContext } from '../call.js';
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

  // Cancel (issue 22 §12). CARTO's Import API has none; this follows its one action endpoint,
  // PUT /api/v1/synchronizations/:id/sync_now (POST is accepted too). Not DELETE: the import's
  // record stays (state cancelled, error 1509), and a finished import is left as it is.
  // The status is read first, so only an import id of the caller's is accepted (a sync id, an
  // unknown or another role's id: 404, nothing cancelled); then cdb_connector_cancel; then the
  // status again. `{"cancelled": true|false, …status}`: false when it had already finished. A
  // running import shows `importing` until the sidecar has stopped it (poll the status).
  const cancel = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const status = `select ${ctx.api}.cdb_connector_import_status($1::uuid) as r`;
    const [, cancelled, after] = await callApiSteps(ctx, request, [
      [status, [request.params.id]],
      [`select ${ctx.api}.cdb_connector_cancel($1::uuid) as r`, [request.params.id]],
      [status, [request.params.id]],
    ]);
    return { cancelled, ...(after as Record<string, unknown>) };
  };
  app.put<{ Params: { id: string } }>('/api/v1/imports/:id/cancel', { schema: { params: idParams, querystring: apiKeyQuery } }, cancel);
  app.post<{ Params: { id: string } }>('/api/v1/imports/:id/cancel', { schema: { params: idParams, querystring: apiKeyQuery } }, cancel);
}
