import { localRemoteFactory } from './remote.js';
import { longSuite } from './suites/long-suite.js';

longSuite(localRemoteFactory);
