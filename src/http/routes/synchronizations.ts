/**
 * /api/v1/synchronizations (CARTO sync tables, SPEC §5, §11): create, list, show, sync now,
 * cancel the active run, delete (unsync: the table stays). Thin: one SQL API call each; unknown and foreign ids are
 * P0002 in SQL → 404 here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callApi, callApiSteps, rawBody, type ApiContext } from '../call.js';
import { apiKeyQuery, idParams, objectBody } from '../schemas.js';

type WithId = { Params: { id: string } };

export function registerSynchronizationRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/api/v1/synchronizations', { schema: { querystring: apiKeyQuery, body: objectBody } }, (request) =>
    callApi(ctx, request, `select ${ctx.api}.cdb_connector_sync($1::jsonb, $2::pg_catalog.name) as r`, (s) => [rawBody(request), s.schema]));

  // CARTO's index shape.
  app.get('/api/v1/synchronizations', { schema: { querystring: apiKeyQuery } }, async (request) => {
    const synchronizations = await callApi<unknown[]>(ctx, request,
      `select coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(s) order by s.created_at), '[]') as r from cdb_connectors.synchronizations as s`);
    return { synchronizations, total_entries: synchronizations.length };
  });

  app.get<WithId>('/api/v1/synchronizations/:id', { schema: { params: idParams, querystring: apiKeyQuery } }, (request) =>
    callApi(ctx, request, 'select cdb_connectors.sync_object($1::uuid) as r', [request.params.id]));

  // The synchronization object, plus CARTO's sync_now answer members (enqueued, synchronization_id):
  // a run is queued now, or the one already in flight is the fresh copy asked for.
  app.put<WithId>('/api/v1/synchronizations/:id/sync_now', { schema: { params: idParams, querystring: apiKeyQuery } }, async (request) => {
    const sync = await callApi<Record<string, unknown>>(ctx, request, `select ${ctx.api}.cdb_connector_sync_now($1::uuid) as r`, [request.params.id]);
    return { enqueued: true, synchronization_id: sync.id, ...sync };
  });

  // Cancel the run in flight (cdb_connector_cancel of the sync's id, issue 22 §12): the sync keeps
  // its table and data and waits for its next interval. Like PUT …/sync_now (POST accepted too).
  // The sync is read first, so only a sync id of the caller's is accepted (404 otherwise, nothing
  // cancelled). `{"cancelled": true|false, …synchronization}`: false when no run was queued or
  // running.
  const cancel = async (request: FastifyRequest<WithId>) => {
    const sync = 'select cdb_connectors.sync_object($1::uuid) as r';
    const [, cancelled, after] = await callApiSteps(ctx, request, [
      [sync, [request.params.id]],
      [`select ${ctx.api}.cdb_connector_cancel($1::uuid) as r`, [request.params.id]],
      [sync, [request.params.id]],
    ]);
    return { cancelled, ...(after as Record<string, unknown>) };
  };
  app.put<WithId>('/api/v1/synchronizations/:id/cancel', { schema: { params: idParams, querystring: apiKeyQuery } }, cancel);
  app.post<WithId>('/api/v1/synchronizations/:id/cancel', { schema: { params: idParams, querystring: apiKeyQuery } }, cancel);

  app.delete<WithId>('/api/v1/synchronizations/:id', { schema: { params: idParams, querystring: apiKeyQuery } }, async (request, reply) => {
    await callApi(ctx, request, `select ${ctx.api}.cdb_connector_unsync($1::uuid) as r`, [request.params.id]);
    return reply.code(204).send();
  });
}
