import { localRemoteFactory } from './remote.js';
import { catalogSuite } from './suites/catalog-suite.js';

catalogSuite(localRemoteFactory);
