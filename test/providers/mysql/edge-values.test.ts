import { runMariaDb } from './server.js';
import { edgeValueSuite } from './suites/edge-values.js';

edgeValueSuite(runMariaDb);
