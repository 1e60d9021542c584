import { runMariaDb } from './server.js';
import { windowSuite } from './suites/window.js';

windowSuite(runMariaDb);
