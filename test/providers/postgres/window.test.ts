import { localRemoteFactory } from './remote.js';
import { windowSuite } from './suites/window-suite.js';

windowSuite(localRemoteFactory);
