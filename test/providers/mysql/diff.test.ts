import { runMariaDb } from './server.js';
import { diffSuite } from './suites/diff.js';

diffSuite(runMariaDb);
