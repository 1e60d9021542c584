/**
 * The real server images of `npm run test:containers` (issue 10 §3). Pinned, so a run today and
 * a run next year test the same servers; override one with its environment variable (e.g.
 * CDB_IMAGE_MYSQL_8=mysql:8.4) to try another version.
 */
const image = (envName: string, pinned: string): string => process.env[envName] || pinned;

export const MYSQL_IMAGES = [image('CDB_IMAGE_MYSQL_57', 'mysql:5.7.44'), image('CDB_IMAGE_MYSQL_8', 'mysql:8.0.40')];
export const POSTGRES_IMAGES = [image('CDB_IMAGE_POSTGRES_12', 'postgres:12.22'), image('CDB_IMAGE_POSTGRES_17', 'postgres:17.2')];
export const SQLSERVER_IMAGES = [image('CDB_IMAGE_SQLSERVER_2022', 'mcr.microsoft.com/mssql/server:2022-CU16-ubuntu-22.04')];
export const HIVE_IMAGES = [image('CDB_IMAGE_HIVE_4', 'apache/hive:4.0.1')];
