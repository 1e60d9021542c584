/**
 * What every provider's curl-example test asserts: each of the provider's four examples runs with
 * curl, gets the documented answer, and its import (or the sync's first run) completes. The data
 * checks differ per source and stay in the test files.
 */
import { expect } from 'vitest';
import { CARTO_SYNC_KEYS, curlExamples, runCurl, substitute, UUID, type ExampleKind, type Substitution } from './curl-examples.js';
import { leaks, pollImport, type HttpHarness } from './helpers.js';

export interface ExampleOutcome {
  /** The curl answer (documented shape). */
  answer: Record<string, any>;
  /** The finished import: the example's own, or the sync's first run. */
  status: Record<string, any>;
}

export async function runProviderExamples(provider: string, h: HttpHarness, apiKey: string, s: Omit<Substitution, 'base' | 'apiKey'>): Promise<Record<ExampleKind, ExampleOutcome>> {
  const examples = curlExamples(provider);
  expect(examples.map((e) => e.kind)).toEqual(['table', 'sql_query', 'sql_query_quoted', 'sync']);
  const outcomes = {} as Record<ExampleKind, ExampleOutcome>;
  // In document order, one after another: the second and third name the same local table.
  for (const example of examples) {
    const command = substitute(example.command, { ...s, base: h.base, apiKey });
    const run = await runCurl(command);
    expect(run.status, `${provider} ${example.kind}: ${run.stdout}`).toBe(200);
    expect(leaks(s.password[1], run.stdout), 'password echoed').toBe(false);
    let importId: string;
    if (example.kind === 'sync') {
      assertSyncObject(run.body, provider);
      importId = run.body.data_import.item_queue_id;
    } else {
      // "the response returns a success value if the connection is correctly registered"
      expect(Object.keys(run.body).sort()).toEqual(['item_queue_id', 'success']);
      expect(run.body.success).toBe(true);
      expect(run.body.item_queue_id).toMatch(UUID);
      importId = run.body.item_queue_id;
    }
    const status = await pollImport(h.base, apiKey, importId);
    expect(status.state, `${provider} ${example.kind}: ${status.error_message}`).toBe('complete');
    expect(status.success).toBe(true);
    expect(status.get_error_text).toBeNull();
    outcomes[example.kind] = { answer: run.body, status };
  }
  return outcomes;
}

/** The reference document's synchronization response, member by member. */
export function assertSyncObject(sync: Record<string, any>, provider: string): void {
  expect(Object.keys(sync)).toEqual(expect.arrayContaining(CARTO_SYNC_KEYS));
  expect(sync.data_import).toEqual({ endpoint: '/api/v1/imports', item_queue_id: expect.stringMatching(UUID) });
  expect(sync.id).toMatch(UUID);
  expect(sync).toMatchObject({
    name: null, interval: 2592000, url: null, etag: null, service_name: 'connector', type_guessing: true,
    quoted_fields_guessing: true, content_guessing: false, visualization_id: null, from_external_source: false,
    retried_times: 0, error_code: null, error_message: null,
  });
  expect(['created', 'queued', 'syncing', 'success']).toContain(sync.state);
  expect(typeof sync.user_id).toBe('string');
  for (const key of ['created_at', 'updated_at', 'run_at']) expect(Number.isNaN(Date.parse(sync[key])), key).toBe(false);
  // "service_item_id: This contains all the parameters defining the connection" — as JSON text,
  // with the password redacted.
  const item = JSON.parse(sync.service_item_id);
  expect(item.provider).toBe(provider);
  expect(item.connection.password ?? '***').toBe('***');
}
