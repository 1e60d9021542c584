/**
 * SPEC §13: read windows (cursor bounds compared exactly in the SQL Server type, NULLs, order,
 * TOP, column subsets, sql_query sources) and plan.uniqueKey, through tedious.
 */
import { tdsTestServer } from './server.js';
import { windowSuite } from './suites/window.js';

windowSuite(tdsTestServer);
