/**
 * Deployment SQL of spec 1.2, 1.3 and 7.2: database creation, server tuning, roles and WAL archiving.
 * docs/spec-corrections.md 7: this is deployment, not library work, so migrate() never runs it; `quant-db deployment-sql`
 * prints it for a DBA to review and apply.
 */
export function deploymentSql(options: { database?: string; appUser?: string } = {}): string {
  const db = options.database ?? 'quant_platform'
  const user = options.appUser ?? 'quant_user'
  return `-- 1. Create the database (as a superuser; the locale must exist on the server).
CREATE DATABASE ${db}
  WITH ENCODING 'UTF8' LC_COLLATE = 'en_US.UTF-8' LC_CTYPE = 'en_US.UTF-8' TEMPLATE template0;

-- 2. Time zone for every session (spec 1.2 used SET, which lasts one session only).
ALTER DATABASE ${db} SET timezone = 'Asia/Seoul';

-- 3. Tuning for a 16 GB server (spec 1.2). ALTER SYSTEM writes postgresql.auto.conf:
--    shared_buffers, wal_buffers, max_worker_processes need a RESTART, not pg_reload_conf().
ALTER SYSTEM SET shared_buffers = '4GB';
ALTER SYSTEM SET effective_cache_size = '12GB';
ALTER SYSTEM SET maintenance_work_mem = '1GB';
ALTER SYSTEM SET checkpoint_completion_target = 0.9;
ALTER SYSTEM SET wal_buffers = '16MB';
ALTER SYSTEM SET default_statistics_target = 100;
ALTER SYSTEM SET random_page_cost = 1.1;
ALTER SYSTEM SET effective_io_concurrency = 200;
ALTER SYSTEM SET work_mem = '64MB';
ALTER SYSTEM SET min_wal_size = '1GB';
ALTER SYSTEM SET max_wal_size = '4GB';
ALTER SYSTEM SET max_worker_processes = 8;
ALTER SYSTEM SET max_parallel_workers_per_gather = 4;
ALTER SYSTEM SET max_parallel_workers = 8;
-- TimescaleDB and pg_stat_statements must be preloaded (restart required):
ALTER SYSTEM SET shared_preload_libraries = 'timescaledb,pg_stat_statements';

-- 4. Point-in-time recovery (spec 7.2). wal_level and archive_mode take effect only after a RESTART.
ALTER SYSTEM SET wal_level = replica;
ALTER SYSTEM SET archive_mode = on;
ALTER SYSTEM SET archive_command = 'test ! -f /var/lib/postgresql/archive/%f && cp %p /var/lib/postgresql/archive/%f';
ALTER SYSTEM SET archive_timeout = '1h';
-- then: sudo systemctl restart postgresql

-- 5. Application role (spec 1.3). Choose the password outside this file.
CREATE USER ${user} WITH PASSWORD :'app_password';  -- psql: \\set app_password '...'
GRANT CONNECT ON DATABASE ${db} TO ${user};
\\c ${db}
GRANT USAGE ON SCHEMA public TO ${user};
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO ${user};
GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public TO ${user};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO ${user};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO ${user};
`
}
