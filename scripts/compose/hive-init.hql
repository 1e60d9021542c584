-- Sample data for the docker-compose Hive source (database `default`).
create table if not exists events (id bigint, kind string, amount decimal(18,4), at timestamp, tags array<string>, attrs map<string,int>);
insert into events select 1, 'click', 12.5, cast('2024-05-01 10:00:00.123456789' as timestamp), array('a', 'b'), map('x', 1)
  union all select 2, 'view', 0.0001, cast('2024-05-02 11:00:00' as timestamp), array(), map();
