import { runMariaDb } from './server.js';
import { errorsSuite } from './suites/errors.js';

errorsSuite(runMariaDb);
