import { runMariaDb } from './server.js';
import { queriesAndNamesSuite } from './suites/queries-and-names.js';

queriesAndNamesSuite(runMariaDb);
