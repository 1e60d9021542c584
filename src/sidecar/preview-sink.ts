/**
 * The RowSink of cdb_connector_preview: keeps the first `limit` rows in memory as JSON-ready
 * values. Bounded by the SQL API (at most 100 rows), so it never pushes back.
 *
 * Values stay in the provider's COPY-input text form (CopyValue, rows/sink.ts): decimals exact,
 * timestamps as PostgreSQL prints them, bytea as `\x…` hex. Buffers hold UTF-8. NUL characters
 * are removed and counted, because jsonb (like a text column) cannot hold U+0000.
 */
import type { CopyValue, RowSink } from '../rows/sink.js';
import type { WarningCounter } from '../rows/warnings.js';

export type PreviewValue = string | null;

const NUL = /\u0000/g;

export class PreviewSink implements RowSink {
  readonly rows: PreviewValue[][] = [];

  /** `columnNames` name the columns in warnings, in the plan's column order. */
  constructor(private readonly limit: number, private readonly columnNames: readonly string[], private readonly warnings: WarningCounter) {}

  get full(): boolean {
    return this.rows.length >= this.limit;
  }

  write(row: CopyValue[]): boolean {
    if (!this.full) this.rows.push(row.map((value, i) => this.toPreviewValue(value, i)));
    return true;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  private toPreviewValue(value: CopyValue, column: number): PreviewValue {
    if (value === null) return null;
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
    if (!text.includes('\u0000')) return text;
    const cleaned = text.replace(NUL, '');
    this.warnings.count('nul_bytes_removed', this.columnNames[column] ?? String(column), text.length - cleaned.length);
    return cleaned;
  }
}
