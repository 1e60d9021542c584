import { localRemoteFactory } from './remote.js';
import { diffSuite } from './suites/diff-suite.js';

diffSuite(localRemoteFactory);
