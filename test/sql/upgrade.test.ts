/**
 * Upgrading is installing: a database migrated to migration k (any k) and then to the end has
 * the same catalog as a fresh install — functions with their definitions, tables, columns,
 * constraints, indexes, triggers, policies, privileges and the shipped rows (catalog-fingerprint.ts).
 * Each step's database is a copy of the previous one (CREATE DATABASE … TEMPLATE), so every
 * migration runs once to build the ladder, and each upgrade starts from a copy of its rung.
 * Both with the default API schema and with --api-schema.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate.js';
import { adminQuery } from '../helpers/one-shot-sql.js';
import { catalogFingerprint, fingerprintDiff } from './catalog-fingerprint.js';

const MIGRATIONS = fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.js$/.test(f)).map((f) => f.replace(/\.js$/, '')).sort();
const created: string[] = [];

function url(name: string): string {
  const { host, port } = inject('servers').pg;
  return `postgres://postgres@${host}:${port}/${name}`;
}

async function database(template?: string): Promise<string> {
  const name = `u_${crypto.randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}${template ? ` template ${template}` : ''}`);
  created.push(name);
  return name;
}

afterAll(async () => {
  for (const name of created.reverse()) await adminQuery(`drop database if exists ${name} with (force)`);
  process.env.CDB_CONNECTOR_API_SCHEMA = 'public';
});

describe.each([['public'], ['Connector API']])('upgrade from every earlier migration (API schema %s)', (apiSchema) => {
  it('yields the catalog of a fresh install', async () => {
    const fresh = await database();
    expect(await migrate({ databaseUrl: url(fresh), apiSchema })).toEqual(MIGRATIONS);
    const expected = await catalogFingerprint(url(fresh), apiSchema);

    // rung k: a database migrated to migration k exactly as a release of that time left it
    const rungs: string[] = [];
    let previous = await database();
    for (let k = 1; k < MIGRATIONS.length; k++) {
      const rung = k === 1 ? previous : await database(previous);
      expect(await migrate({ databaseUrl: url(rung), apiSchema, count: 1 })).toEqual([MIGRATIONS[k - 1]]);
      rungs.push(rung);
      previous = rung;
    }

    const failures: string[] = [];
    for (const [i, rung] of rungs.entries()) {
      const upgraded = await database(rung);
      expect(await migrate({ databaseUrl: url(upgraded), apiSchema })).toEqual(MIGRATIONS.slice(i + 1));
      const diff = fingerprintDiff(expected, await catalogFingerprint(url(upgraded), apiSchema));
      if (diff.length > 0) failures.push(`upgraded from ${MIGRATIONS[i]}: ${diff.length} differences\n  ${diff.slice(0, 20).join('\n  ')}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });
});
