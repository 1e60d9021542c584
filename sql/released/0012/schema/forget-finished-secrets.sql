-- Passwords of jobs that finished before jobs_forget_secret existed (issue 16 §4: 30 of 30 rows
-- belonged to finished jobs).
delete from cdb_connectors.job_secrets s
 using cdb_connectors.jobs j
 where j.id = s.job_id and j.state in ('complete', 'failure', 'cancelled');
