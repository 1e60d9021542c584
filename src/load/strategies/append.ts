/**
 * The append sync strategy (SPEC §13): every run inserts the rows whose cursor is past the mark
 * (`cursor > mark`, NULL cursors are not read after the first run: an append cannot tell a new
 * row from one it already has without a key). Never updates, never deletes, needs no primary
 * key. The transaction and the column rules are incremental-table.ts's; the insert runs in an
 * owner frame (the table is the owner's and may carry their triggers); with `"on_error": "reject"`
 * a row the table refuses is rejected and the others inserted (isolate-rows.ts).
 */
import { qi } from '../ddl.js';
import { runOverStagedRows } from '../isolate-rows.js';
import { findTable } from '../target-catalog.js';
import { beginFirstRun, beginLaterRun, type IncrementalLoad, type IncrementalPlan } from './incremental-table.js';
import type { WriteStrategy } from './write-strategy.js';

export const appendStrategy: WriteStrategy<IncrementalPlan> = {
  name: 'append',
  async begin(client, plan): Promise<IncrementalLoad> {
    const existing = plan.tableOid === null ? undefined : await findTable(client, plan.tableOid);
    if (!existing) return beginFirstRun(client, plan, async () => undefined);
    return beginLaterRun(client, plan, plan.tableOid!, async ({ table, staging, staged, fetched }) => {
      const names = staged.map((c) => qi(c.name)).join(', ');
      const [inserted] = await runOverStagedRows({
        client, owner: plan.owner, rowsRead: fetched, ...(plan.rejects ? { rejects: plan.rejects } : {}),
        statements: (rows) => [`insert into ${table} (${names}) select ${names} from ${staging} as s where ${rows('s')}`],
      });
      return { inserted: inserted!, updated: 0, deleted: 0, unchanged: fetched - inserted! - (plan.rejects?.count ?? 0) };
    });
  },
};
