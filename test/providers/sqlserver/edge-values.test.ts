/**
 * Issue 8 §2/§6: every SQL Server type the provider imports, at its edges, compared value by
 * value as the COPY text the provider emits — and then fed to PostgreSQL's input functions in a
 * real target database, which must accept each text for the planned local type.
 */
import { tdsTestServer } from './server.js';
import { edgeValueSuite } from './suites/edge-values.js';

edgeValueSuite(tdsTestServer);
