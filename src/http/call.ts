/**
 * The one thing every handler does: call one SQL API function as the request's key role and
 * return the JSON it produced (column `r`). Handlers differ only in the SQL text.
 */
import type { FastifyRequest } from 'fastify';
import { apiKeyOf } from './api-keys.js';
import type { RoleRunner, RoleSession } from './as-role.js';

export interface ApiContext {
  runner: RoleRunner;
  /** The API schema (`migrate --api-schema`), already quoted for SQL text. */
  api: string;
}

/**
 * Runs `text` (which must return one row with a column `r`) as the key's role. `values` may be a
 * function of the session, for calls that pass the role's default schema (`$n::name`).
 */
export async function callApi<T = unknown>(ctx: ApiContext, request: FastifyRequest, text: string, values: unknown[] | ((session: RoleSession) => unknown[]) = []): Promise<T> {
  return ctx.runner.run(apiKeyOf(request), async (client, session) => {
    const { rows } = await client.query<{ r: T }>(text, typeof values === 'function' ? values(session) : values);
    return rows[0]!.r;
  });
}

/**
 * Several SQL API calls as the key's role in one transaction (each returns one row with a column
 * `r`); their answers in order. An error in any rolls all of them back: a cancel whose follow-up
 * status read fails leaves nothing cancelled.
 */
export async function callApiSteps(ctx: ApiContext, request: FastifyRequest, steps: Array<[text: string, values: unknown[]]>): Promise<unknown[]> {
  return ctx.runner.run(apiKeyOf(request), async (client) => {
    const answers: unknown[] = [];
    for (const [text, values] of steps) answers.push((await client.query<{ r: unknown }>(text, values)).rows[0]!.r);
    return answers;
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body exactly as received (server.ts keeps it). */
    rawJson?: string;
  }
}

/**
 * The body text as the client sent it, passed to SQL as `$n::jsonb`: jsonb then reads exactly
 * what a psql user would have typed (JSON.parse → JSON.stringify would turn 1e400 into null and
 * 3306.0000000000000001 into 3306, changing what validation sees).
 */
export function rawBody(request: FastifyRequest): string {
  return request.rawJson ?? 'null';
}
