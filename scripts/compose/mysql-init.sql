-- Sample data for the docker-compose MySQL source (database `shop`).
create table customers (id int primary key, name varchar(100) not null, country char(2), created_at datetime(3));
create table orders (
  id bigint primary key, customer_id int not null, total decimal(12,2) not null, status enum('new','paid','shipped'),
  placed_at timestamp default current_timestamp, lat double, lon double, note text
);
insert into customers values (1, 'Ada Lovelace', 'GB', '2024-01-02 10:00:00.125'), (2, 'Grace Hopper', 'US', '2024-02-03 11:30:00'),
  (3, 'José Ñúñez', 'ES', '2024-03-04 12:45:00.5');
insert into orders values
  (100, 1, 99.95, 'paid', '2024-05-01 09:00:00', 51.5072, -0.1276, 'first order'),
  (101, 2, 1234567.89, 'shipped', '2024-05-02 10:00:00', 40.7128, -74.0060, 'tab\there and "quotes"'),
  (102, 3, 0.01, 'new', '2024-05-03 11:00:00', 40.4168, -3.7038, null);
grant select on shop.* to 'reader'@'%';
