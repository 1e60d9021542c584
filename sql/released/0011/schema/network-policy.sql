-- The network policy of issue 16 §2: an empty allowed_hosts now allows public addresses only,
-- and entries may carry a port. The value is unchanged; only its meaning and description.
update cdb_connectors.settings
   set description = 'Remote hosts allowed: host names, IP addresses or CIDRs, each with an optional :port; '
                  || 'empty = public addresses only (never loopback, private, link-local or this database''s own server).'
 where name = 'allowed_hosts';
