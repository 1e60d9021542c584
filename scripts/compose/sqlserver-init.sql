-- Sample data for the docker-compose SQL Server source (database `shop`).
if db_id('shop') is null create database shop;
go
use shop;
go
if object_id('dbo.stores') is null
create table dbo.stores (id int primary key, name nvarchar(100) not null, revenue decimal(18,4), opened datetime2(7),
  open_since datetimeoffset, active bit, code uniqueidentifier);
go
insert into dbo.stores values
  (1, N'Zürich Hauptbahnhof', 12345678901234.5678, '2020-01-02T03:04:05.1234567', '2020-01-02T03:04:05+01:00', 1, newid()),
  (2, N'東京', 42.0001, '2021-06-07T08:09:10', '2021-06-07T08:09:10-07:00', 0, newid());
go
if not exists (select 1 from sys.server_principals where name = 'reader')
  create login reader with password = 'Reader-Pass-2022', check_policy = off;
go
if not exists (select 1 from sys.database_principals where name = 'reader')
  create user reader for login reader;
alter role db_datareader add member reader;
go
