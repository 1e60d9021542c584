/**
 * A pino destination kept in memory, behind the production logger (src/log.ts), so tests see
 * exactly what the sidecar would write, redaction included.
 */
import type { Logger } from 'pino';
import { createLogger } from '../../../src/log.js';

export interface CapturedLog {
  logger: Logger;
  /** Every line written so far, raw JSON text. */
  readonly lines: string[];
  text(): string;
  /** Lines parsed as JSON objects. */
  entries(): Array<Record<string, unknown>>;
}

export function captureLogs(level = 'debug'): CapturedLog {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => { lines.push(line); } } });
  return {
    logger,
    lines,
    text: () => lines.join(''),
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
