-- cdb_connectors.require_transaction_control(caller text): a procedure that returns when the
-- CALL chain it runs in may COMMIT, and otherwise raises 25001 with a message naming the caller's
-- procedure and the two-step alternative. A procedure may COMMIT only when CALLed outside an
-- explicit transaction block (and not from a function or a multi-statement query string); inside
-- BEGIN … the first COMMIT fails with the bare "invalid transaction termination".
-- How it tells, without side effects: it COMMITs inside an exception block. PostgreSQL checks the
-- non-atomic context before the open subtransaction (_SPI_commit), so the COMMIT fails either way
-- and nothing is committed, but with "invalid transaction termination" in an atomic context and
-- "cannot commit while a subtransaction is active" otherwise (PostgreSQL 11–17, checked on 15).
-- With translated server messages (lc_messages) neither text matches; it then returns, and a
-- caller inside BEGIN gets PostgreSQL's own error at its first COMMIT instead of this one.
-- No SET clause (search_path pinning): a procedure with one cannot take part in transaction
-- control. It runs with invoker rights and references only built-ins, so nothing is at stake.
-- Parameters: caller — the user-facing procedure's name, for the message. Locks: none.
create or replace procedure cdb_connectors.require_transaction_control(caller text)
language plpgsql
as $$
begin
  begin
    commit;
  exception when invalid_transaction_termination then
    if sqlerrm = 'invalid transaction termination' then
      raise exception '% cannot run inside a transaction block', caller using errcode = '25001',
        detail = 'It commits its request so that a sidecar can see it, then waits for the answer; inside BEGIN … it could do neither.',
        hint = format('CALL %s(…) on its own (autocommit), or use the two-step form: SELECT cdb_connector_request(''%s'', ''{…}'') returns an id; after COMMIT, SELECT cdb_connector_request_result(''<id>'') returns the answer.',
                      caller, replace(caller, 'cdb_connector_', ''));
    end if;
  end;
end
$$;

comment on procedure cdb_connectors.require_transaction_control(text) is 'Internal: raises 25001 when the calling procedure cannot COMMIT (CALLed inside a transaction block).';
