/**
 * The Hive provider against the HiveServer2 test server in PLAIN mode. The containers suite runs
 * the same suites with a factory for a real Hive image.
 */
import { localHiveServerFactory } from './server-factory.js';
import { diffSuite } from './suite-diff.js';
import { querySuite } from './suite-queries.js';
import { streamingSuite } from './suite-streaming.js';
import { edgeValueSuite } from './suite-values.js';
import { windowSuite } from './suite-window.js';

const factory = localHiveServerFactory('PLAIN');
edgeValueSuite(factory);
querySuite(factory);
streamingSuite(factory);
windowSuite(factory);
diffSuite(factory);
