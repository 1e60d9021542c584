/**
 * SPEC §13 diff mode: bucket hashes (hashBuckets) and key-range reads (ReadWindow.keyRanges)
 * against the TDS test server, through tedious.
 */
import { tdsTestServer } from './server.js';
import { diffSuite } from './suites/diff.js';

diffSuite(tdsTestServer);
