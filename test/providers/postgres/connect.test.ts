import { localRemoteFactory } from './remote.js';
import { connectSuite } from './suites/connect-suite.js';

connectSuite(localRemoteFactory);
