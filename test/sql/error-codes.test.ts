/**
 * The error-code parity promised in src/errors.ts: the codes users read in
 * cdb_connectors.error_codes (sql/schema/jobs.sql, with title and explanation) and the codes the
 * sidecar throws (ERROR_CODES) are the same table — names, numbers and retryable.
 */
import { describe, expect, inject, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { queryOnce } from '../helpers/one-shot-sql.js';

describe('error codes', () => {
  it('cdb_connectors.error_codes and src/errors.ts ERROR_CODES agree on every name, number and retryable', async () => {
    const { host, port, templateDb } = inject('servers').pg;
    const rows = await queryOnce<{ code: number; name: string; retryable: boolean; title: string; what_about: string }>(
      `postgres://postgres@${host}:${port}/${templateDb}`, 'select code, name, retryable, title, what_about from cdb_connectors.error_codes order by code');
    const inSql = Object.fromEntries(rows.map((r) => [r.name, { code: r.code, retryable: r.retryable }]));
    const inTs = Object.fromEntries(Object.entries(ERROR_CODES).map(([name, e]) => [name, { code: e.code, retryable: e.retryable }]));
    const problems: string[] = [];
    for (const name of Object.keys(inTs)) if (!(name in inSql)) problems.push(`${name} (${inTs[name]!.code}) is in src/errors.ts but not in cdb_connectors.error_codes`);
    for (const name of Object.keys(inSql)) if (!(name in inTs)) problems.push(`${name} (${inSql[name]!.code}) is in cdb_connectors.error_codes but not in src/errors.ts`);
    for (const name of Object.keys(inTs)) {
      const [sql, ts] = [inSql[name], inTs[name]!];
      if (sql && sql.code !== ts.code) problems.push(`${name}: code ${sql.code} in SQL, ${ts.code} in src/errors.ts`);
      if (sql && sql.retryable !== ts.retryable) problems.push(`${name}: retryable ${sql.retryable} in SQL, ${ts.retryable} in src/errors.ts`);
    }
    const numbers = Object.values(inTs).map((e) => e.code);
    if (new Set(numbers).size !== numbers.length) problems.push('src/errors.ts gives one number to two names');
    for (const r of rows) if (!r.title.trim() || !r.what_about.trim()) problems.push(`${r.name}: empty title or explanation in cdb_connectors.error_codes`);
    expect(problems, problems.join('\n')).toEqual([]);
    expect(inSql).toEqual(inTs);
  });
});
