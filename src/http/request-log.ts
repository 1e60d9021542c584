/**
 * What the HTTP server logs, and what it never logs. Fastify's default lines carry the full URL
 * (so `?api_key=…&password=…` of the connectors API) and would log errors with their messages
 * (V8's JSON.parse errors quote the body). This controller writes one line per request with the
 * route pattern, the status and the time — no query string, no body, no headers — and leaves
 * error lines to server.ts, which logs only what errors.ts allows.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** The path of a URL without its query string (which may hold a key or a password). */
export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export class SafeLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    reply.log.info({
      method: request.method, route: request.routeOptions.url ?? pathOnly(request.url), status: reply.statusCode,
      ms: Math.round(reply.elapsedTime), ...(error ? { aborted: true } : {}),
    }, 'http request');
  }

  override defaultErrorLog(): void {}

  override routeNotFound(request: FastifyRequest): void {
    request.log.info({ method: request.method, path: pathOnly(request.url) }, 'http route not found');
  }

  override streamError(_error: Error, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn('http response stream failed');
  }

  override writeHeadError(_error: Error, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn('http response headers could not be written');
  }

  override serializerError(_error: Error, _request: FastifyRequest, reply: FastifyReply, metadata: { statusCode: number }): void {
    reply.log.error({ status: metadata.statusCode }, 'http response could not be serialised');
  }
}
