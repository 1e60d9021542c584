import { runMariaDb } from './server.js';
import { streamingSuite } from './suites/streaming.js';

streamingSuite(runMariaDb);
