/**
 * The postgres provider suites (test/providers/postgres/suites) against PostgreSQL 12 and 17
 * images as the remote server.
 */
import { catalogSuite } from '../providers/postgres/suites/catalog-suite.js';
import { connectSuite } from '../providers/postgres/suites/connect-suite.js';
import { diffSuite } from '../providers/postgres/suites/diff-suite.js';
import { streamingSuite } from '../providers/postgres/suites/streaming-suite.js';
import { typesSuite } from '../providers/postgres/suites/types-suite.js';
import { windowSuite } from '../providers/postgres/suites/window-suite.js';
import { postgresContainerFactory } from './factories/postgres.js';
import { POSTGRES_IMAGES } from './images.js';

for (const image of POSTGRES_IMAGES) {
  const factory = postgresContainerFactory(image);
  catalogSuite(factory);
  connectSuite(factory);
  typesSuite(factory);
  // last: it stops its server mid-stream
  streamingSuite(factory);
  windowSuite(factory);
  diffSuite(factory);
}
