/**
 * The Hive provider suites (test/providers/hive/suite-*.ts) against the Apache Hive 4 image
 * instead of the HiveServer2 test server.
 */
import { diffSuite } from '../providers/hive/suite-diff.js';
import { querySuite } from '../providers/hive/suite-queries.js';
import { streamingSuite } from '../providers/hive/suite-streaming.js';
import { edgeValueSuite } from '../providers/hive/suite-values.js';
import { windowSuite } from '../providers/hive/suite-window.js';
import { hiveContainerFactory } from './factories/hive.js';
import { HIVE_IMAGES } from './images.js';

for (const image of HIVE_IMAGES) {
  const factory = hiveContainerFactory(image);
  edgeValueSuite(factory);
  querySuite(factory);
  streamingSuite(factory);
  windowSuite(factory);
  diffSuite(factory);
}
