/**
 * The `encoding` parameter (README "Encoding"): without it MySQL converts declared charsets to
 * UTF-8; with it the stored bytes of non-Unicode text columns are decoded as the named charset,
 * exactly or with ENCODING_ERROR naming column and row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlProvider } from '../../../../src/providers/mysql/index.js';
import type { SourceRequest } from '../../../../src/providers/provider.js';
import { collectRows } from '../../../helpers/collect-rows.js';
import { createTestDb, sessionOptions, type MysqlTestDb, type MysqlTestServer } from '../server.js';

export function encodingSuite(server: () => MysqlTestServer): void {
  describe('MySQL encoding', () => {
    let db: MysqlTestDb;

    beforeAll(async () => {
      db = await createTestDb(server());
      // Hex literals store exactly these bytes, whatever the client charset.
      await db.exec(`
        create table enc (id int primary key, l varchar(20) character set latin1, u varchar(20) character set utf8mb4,
                          s varchar(20) character set sjis, e enum('café', 'x') character set latin1, b varbinary(4));
        insert into enc values (1, x'e980', '😀é', x'93fa967b', x'636166e9', x'e980');`);
      await db.exec(`
        create table holes (id int primary key, l varchar(20) character set latin1);
        insert into holes values (1, 'ok'), (2, x'4181');
        create table misdeclared (id int primary key, l varchar(20) character set latin1);
        insert into misdeclared values (1, x'c3a9e282ac'), (2, x'41e942');`);
    });
    afterAll(async () => { await db?.drop(); });

    async function rows(request: SourceRequest, limit?: number) {
      const session = await mysqlProvider.connect(request, sessionOptions());
      try {
        return (await collectRows(session, { limit })).rows;
      } finally {
        await session.close();
      }
    }

    it('without encoding, MySQL converts each declared charset (latin1 0x80 is €)', async () => {
      expect(await rows(db.request({ source: { kind: 'table', table: 'enc' } }))).toEqual([['1', 'é€', '😀é', '日本', 'café', '\\xe980']]);
    });

    for (const encoding of ['LATIN1', 'WIN1252']) {
      it(`encoding ${encoding}: latin1 bytes decoded exactly, Unicode and binary columns untouched`, async () => {
        const request = db.request({ source: { kind: 'table', table: 'enc' }, encoding });
        // The sjis column is decoded as the declared encoding too: 0x93fa967b is not Windows-1252 text.
        expect(await rows({ ...request, source: { kind: 'query', sql: 'select id, l, u, e, b from enc' } })).toEqual([['1', 'é€', '😀é', 'café', '\\xe980']]);
      });
    }

    it.runIf(server().flavour === 'mariadb')('MariaDB UCA 14.0 collations (ids ≥ 2048) are still recognised as Unicode', async () => {
      await db.exec("create table uca (u varchar(10) character set utf8mb4 collate utf8mb4_uca1400_ai_ci); insert into uca values ('😀é')");
      expect(await rows(db.request({ source: { kind: 'table', table: 'uca' }, encoding: 'LATIN1' }))).toEqual([['😀é']]);
    });

    it('encoding SJIS decodes Shift-JIS bytes', async () => {
      expect(await rows(db.request({ source: { kind: 'query', sql: 'select s from enc' }, encoding: 'SJIS' }))).toEqual([['日本']]);
    });

    it('LATIN1 is MySQL latin1: the five bytes Windows-1252 leaves undefined are C1 controls', async () => {
      expect(await rows(db.request({ source: { kind: 'table', table: 'holes' }, encoding: 'LATIN1' }))).toEqual([['1', 'ok'], ['2', 'A\u0081']]);
    });

    it('WIN1252 is strict: an undefined byte is ENCODING_ERROR naming column and row', async () => {
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'table', table: 'holes' }, encoding: 'WIN1252' }), sessionOptions());
      try {
        await expect(collectRows(session)).rejects.toMatchObject({
          errorName: 'ENCODING_ERROR', code: 1510, message: expect.stringMatching(/Column "l", row 2: bytes 0x41 0x81 are not valid WIN1252 text/),
        });
        // The session recovers: character_set_results is back to utf8mb4 after a reconnect.
        expect((await session.listTables(100)).map((t) => t.name)).toContain('holes');
      } finally {
        await session.close();
      }
    });

    it('encoding UTF8 reads UTF-8 stored in a latin1 column (the classic mis-declared table)', async () => {
      expect(await rows(db.request({ source: { kind: 'table', table: 'misdeclared' }, encoding: 'UTF8' }), 1)).toEqual([['1', 'é€']]);
      // Without it MySQL converts the bytes as latin1: mojibake, which is what the parameter is for.
      expect(await rows(db.request({ source: { kind: 'table', table: 'misdeclared' } }), 1)).toEqual([['1', 'Ã©â‚¬']]);
    });

    it('encoding UTF8 rejects bytes that are not UTF-8, naming column and row', async () => {
      const session = await mysqlProvider.connect(db.request({ source: { kind: 'table', table: 'misdeclared' }, encoding: 'UTF8' }), sessionOptions());
      try {
        await expect(collectRows(session)).rejects.toMatchObject({ errorName: 'ENCODING_ERROR', message: expect.stringContaining('Column "l", row 2') });
      } finally {
        await session.close();
      }
    });

    it('an encoding the connector cannot decode fails before connecting', async () => {
      const request = db.request({ source: { kind: 'table', table: 'enc' }, encoding: 'EUC_TW' });
      request.connection.port = 1;
      await expect(mysqlProvider.connect(request, sessionOptions())).rejects.toMatchObject({ errorName: 'INVALID_PARAMETERS' });
    });
  });
}
