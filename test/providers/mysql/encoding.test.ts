import { runMariaDb } from './server.js';
import { encodingSuite } from './suites/encoding.js';

encodingSuite(runMariaDb);
