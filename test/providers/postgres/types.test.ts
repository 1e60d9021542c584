import { localRemoteFactory } from './remote.js';
import { typesSuite } from './suites/types-suite.js';

typesSuite(localRemoteFactory);
