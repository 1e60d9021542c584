/**
 * Issue 8 §6: sql_query, hostile and 70-character names, error classification (1503–1506),
 * listTables, ApplicationIntent=ReadOnly, and the TLS settings.
 */
import { tdsTestServer } from './server.js';
import { queriesAndErrorsSuite } from './suites/queries-and-errors.js';

queriesAndErrorsSuite(tdsTestServer);
