import { localRemoteFactory } from './remote.js';
import { streamingSuite } from './suites/streaming-suite.js';

streamingSuite(localRemoteFactory);
