/**
 * Issue 8 §3/§6: cancel mid-stream (ATTENTION), backpressure (the server blocks instead of
 * buffering), row limit, statement timeout, and `encoding` for a CP1252 VARCHAR (€, é).
 * The 1M-row case runs with CDB_LONG_TESTS=1; the default suite streams 100k rows.
 */
import { tdsTestServer } from './server.js';
import { streamingSuite } from './suites/streaming.js';

streamingSuite(tdsTestServer);
