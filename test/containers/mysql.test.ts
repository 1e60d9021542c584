/**
 * The MySQL provider suites (test/providers/mysql/suites) against real MySQL 5.7 and 8 images.
 * The suites read `flavour` while collecting tests, so the server object exists from the start
 * and is filled in once its container runs (the outer beforeAll runs before the suites' own).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { MysqlTestServer } from '../providers/mysql/server.js';
import { diffSuite } from '../providers/mysql/suites/diff.js';
import { edgeValueSuite } from '../providers/mysql/suites/edge-values.js';
import { encodingSuite } from '../providers/mysql/suites/encoding.js';
import { errorsSuite } from '../providers/mysql/suites/errors.js';
import { queriesAndNamesSuite } from '../providers/mysql/suites/queries-and-names.js';
import { streamingSuite } from '../providers/mysql/suites/streaming.js';
import { windowSuite } from '../providers/mysql/suites/window.js';
import { startMysqlContainer, type StartedMysql } from './factories/mysql.js';
import { MYSQL_IMAGES } from './images.js';

for (const image of MYSQL_IMAGES) {
  describe(image, () => {
    const server: MysqlTestServer = { flavour: 'mysql', host: '', port: 0, rootUser: 'root' };
    let started: StartedMysql | undefined;

    beforeAll(async () => {
      started = await startMysqlContainer(image);
      Object.assign(server, started.server);
    });
    afterAll(async () => { await started?.stop(); });

    edgeValueSuite(() => server);
    encodingSuite(() => server);
    errorsSuite(() => server);
    queriesAndNamesSuite(() => server);
    streamingSuite(() => server);
    windowSuite(() => server);
    diffSuite(() => server);
  });
}
