/**
 * Issue 19 item 1 (SPEC §14), the pure half: what the remote changed (compareColumns, telling a
 * remote drop from an owner's added column by the last run's columns) and what a run does about
 * it under each on_schema_change policy and the users' earlier decisions (resolveSchemaChanges).
 */
import { describe, expect, it } from 'vitest';
import { compareColumns, describeChange, type ColumnChange } from '../../src/load/column-changes.js';
import { resolveSchemaChanges, schemaStopMessage, type ChangeDecision } from '../../src/load/schema-policy.js';

const col = (name: string, type = 'integer') => ({ name, type });
const full = { fullRefresh: true };
const incremental = { fullRefresh: false };

describe('compareColumns', () => {
  it('identical columns, in any order: nothing changed', () => {
    expect(compareColumns([col('a'), col('b', 'text')], [col('b', 'text'), col('a')], [col('a'), col('b', 'text')], full))
      .toEqual({ changes: [], ownerTyped: [], ownerDropped: [] });
  });

  it('add, drop, widen and retype, each with the table\'s and the remote\'s type', () => {
    const table = [col('id'), col('qty'), col('name', 'character varying(10)'), col('gone', 'text')];
    const staged = [col('id'), col('qty', 'character varying(10)'), col('name', 'character varying(50)'), col('note', 'text')];
    expect(compareColumns(table, staged, table, full).changes).toEqual([
      { kind: 'retype', column: 'qty', oldType: 'integer', newType: 'character varying(10)' },
      { kind: 'widen', column: 'name', oldType: 'character varying(10)', newType: 'character varying(50)' },
      { kind: 'add', column: 'note', oldType: null, newType: 'text' },
      { kind: 'drop', column: 'gone', oldType: 'text', newType: null },
    ]);
  });

  it('a column only the table has is the owner\'s when the last run did not stage it (no drop)', () => {
    const table = [col('id'), col('mine', 'text'), col('_deleted_at', 'timestamp with time zone')];
    expect(compareColumns(table, [col('id')], [col('id')], incremental).changes).toEqual([]);
  });

  it('the owner\'s own choices are kept: a remote column they dropped, a type they changed', () => {
    const previous = [col('id'), col('x'), col('y')];
    expect(compareColumns([col('id'), col('y', 'bigint')], previous, previous, full))
      .toEqual({ changes: [], ownerTyped: [col('y', 'bigint')], ownerDropped: ['x'] });
  });

  it('without the last run\'s columns (a sync older than 0022): a replace sync takes the table\'s, an incremental one sees no drop', () => {
    const table = [col('id'), col('extra', 'text')];
    expect(compareColumns(table, [col('id')], null, full).changes).toEqual([{ kind: 'drop', column: 'extra', oldType: 'text', newType: null }]);
    expect(compareColumns(table, [col('id'), col('n', 'text')], null, incremental).changes).toEqual([{ kind: 'add', column: 'n', oldType: null, newType: 'text' }]);
  });

  it('without the last run\'s columns, a type that differs is loaded into the table\'s (a release that maps the remote type anew pauses nothing)', () => {
    const table = [col('id'), col('tags', 'text')];
    expect(compareColumns(table, [col('id'), col('tags', 'text[]')], null, full)).toEqual({ changes: [], ownerTyped: [col('tags', 'text')], ownerDropped: [] });
    expect(compareColumns(table, [col('id'), col('tags', 'text[]')], null, incremental)).toEqual({ changes: [], ownerTyped: [col('tags', 'text')], ownerDropped: [] });
  });

  it('describes changes for messages', () => {
    expect([
      { kind: 'add', column: 'a', oldType: null, newType: 'text' }, { kind: 'drop', column: 'b', oldType: 'integer', newType: null },
      { kind: 'widen', column: 'c', oldType: 'integer', newType: 'bigint' },
    ].map((c) => describeChange(c as ColumnChange))).toEqual(['add a text', 'drop b integer', 'widen c integer → bigint']);
  });
});

describe('resolveSchemaChanges', () => {
  const add: ColumnChange = { kind: 'add', column: 'note', oldType: null, newType: 'text' };
  const drop: ColumnChange = { kind: 'drop', column: 'gone', oldType: 'text', newType: null };
  const widen: ColumnChange = { kind: 'widen', column: 'qty', oldType: 'integer', newType: 'bigint' };
  const retype: ColumnChange = { kind: 'retype', column: 'code', oldType: 'integer', newType: 'character varying(10)' };
  const compared = (...changes: ColumnChange[]) => ({ changes, ownerTyped: [], ownerDropped: [] });
  const decided = (change: ColumnChange, action: ChangeDecision['action'], applied = false): ChangeDecision => ({ ...change, id: `id-${change.column}`, action, applied, reason: null });
  const noRebuild = { rebuild: false };

  it('evolve applies add, drop and widen', () => {
    expect(resolveSchemaChanges(compared(add, drop, widen), { policy: 'evolve', decisions: [] }, noRebuild))
      .toEqual({ apply: [{ change: add }, { change: drop }, { change: widen }], stageAs: [], leaveOut: [], rebuild: false });
  });

  it('evolve with a retype stops the whole run: only the retype waits as a new row, the others are only named', () => {
    const r = resolveSchemaChanges(compared(add, retype), { policy: 'evolve', decisions: [] }, noRebuild);
    expect(r.apply).toEqual([]);
    expect(r.stop).toEqual({ action: 'pending', changes: [{ change: retype, reason: expect.stringMatching(/not a widening/), record: true }], alsoChanged: [add] });
  });

  it('pause holds every change; fail fails every change; a change already recorded gets no second row', () => {
    expect(resolveSchemaChanges(compared(add, widen), { policy: 'pause', decisions: [] }, noRebuild).stop)
      .toEqual({ action: 'pending', changes: [{ change: add, reason: 'on_schema_change is pause', record: true }, { change: widen, reason: 'on_schema_change is pause', record: true }], alsoChanged: [] });
    expect(resolveSchemaChanges(compared(drop), { policy: 'fail', decisions: [decided(drop, 'failed')] }, noRebuild).stop)
      .toEqual({ action: 'failed', changes: [{ change: drop, reason: 'on_schema_change is fail', record: false }], alsoChanged: [] });
    expect(resolveSchemaChanges(compared(add), { policy: 'pause', decisions: [decided(add, 'pending')] }, noRebuild).stop?.changes[0]?.record).toBe(false);
  });

  it('an approved change is applied whatever the policy, once', () => {
    expect(resolveSchemaChanges(compared(retype), { policy: 'pause', decisions: [decided(retype, 'approved')] }, noRebuild))
      .toEqual({ apply: [{ change: retype, decisionId: 'id-code' }], stageAs: [], leaveOut: [], rebuild: false });
    // applied before and seen again (the owner undid it): the policy decides anew
    expect(resolveSchemaChanges(compared(retype), { policy: 'pause', decisions: [decided(retype, 'approved', true)] }, noRebuild).stop?.changes[0]?.record).toBe(true);
  });

  it('a rejected add is left out, a rejected type change staged with the table\'s type, a rejected drop keeps NULLs', () => {
    const decisions = [decided(add, 'rejected'), decided(widen, 'rejected'), decided(retype, 'rejected'), decided(drop, 'rejected')];
    expect(resolveSchemaChanges(compared(add, widen, retype, drop), { policy: 'pause', decisions }, noRebuild))
      .toEqual({ apply: [], stageAs: [col('qty'), col('code')], leaveOut: ['note'], rebuild: false });
  });

  it('a decision is about one change: the same column retyped again asks again', () => {
    const again: ColumnChange = { ...retype, newType: 'text' };
    expect(resolveSchemaChanges(compared(again), { policy: 'evolve', decisions: [decided(retype, 'rejected')] }, noRebuild).stop?.changes[0]?.change).toEqual(again);
  });

  it('sync_rebuild_on_schema_change rebuilds instead of stopping, and records every change as applied', () => {
    const r = resolveSchemaChanges(compared(add, retype), { policy: 'fail', decisions: [] }, { rebuild: true });
    expect(r).toEqual({ apply: [{ change: add, reason: expect.stringMatching(/rebuilt/) }, { change: retype, reason: expect.stringMatching(/rebuilt/) }], stageAs: [], leaveOut: [], rebuild: true });
  });

  it('the stop message names every change and what to do', () => {
    const r = resolveSchemaChanges(compared(add, retype), { policy: 'evolve', decisions: [] }, noRebuild);
    expect(schemaStopMessage('public.t', 'sid', r.stop!)).toMatch(
      /^Sync table public\.t is paused: its remote columns changed \(retype code integer → character varying\(10\): not a widening.*; add note text\)\. Nothing was changed\. .*cdb_connector_schema_change_approve\(id\).*sync_id = 'sid'/);
    const failed = resolveSchemaChanges(compared(widen), { policy: 'fail', decisions: [] }, noRebuild);
    expect(schemaStopMessage('public.t', 'sid', failed.stop!)).toMatch(/^Cannot sync table public\.t: its remote columns changed \(widen qty integer → bigint: on_schema_change is fail\) .*The old data was kept\./);
  });
});
