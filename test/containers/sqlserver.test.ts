/**
 * The SQL Server provider suites (test/providers/sqlserver/suites) against the SQL Server 2022
 * image instead of the TDS test server.
 */
import { diffSuite } from '../providers/sqlserver/suites/diff.js';
import { edgeValueSuite } from '../providers/sqlserver/suites/edge-values.js';
import { queriesAndErrorsSuite } from '../providers/sqlserver/suites/queries-and-errors.js';
import { streamingSuite } from '../providers/sqlserver/suites/streaming.js';
import { windowSuite } from '../providers/sqlserver/suites/window.js';
import { sqlserverContainerFactory } from './factories/sqlserver.js';
import { SQLSERVER_IMAGES } from './images.js';

for (const image of SQLSERVER_IMAGES) {
  const factory = sqlserverContainerFactory(image);
  edgeValueSuite(factory);
  queriesAndErrorsSuite(factory);
  streamingSuite(factory);
  windowSuite(factory);
  diffSuite(factory);
}
