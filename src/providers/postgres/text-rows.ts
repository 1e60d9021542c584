/**
 * The text path's CopyConsumer: COPY TEXT chunks → parser → RowSink, with the row limit.
 *
 * Backpressure is per chunk: the rows of the chunk at hand (one socket read, tens of KB) all go
 * to the sink, then a `false` from any of them pauses the COPY until `drained()`. The sink's
 * encoder holds at most that one chunk beyond its threshold.
 */
import { ConnectorError } from '../../errors.js';
import type { RowSink } from '../../rows/sink.js';
import type { CopyConsumer } from './rows.js';
import { CopyTextParser } from './text-copy-parser.js';

export class TextRowConsumer implements CopyConsumer {
  private readonly parser: CopyTextParser;
  private rowsSeen = 0;
  private more = true;

  constructor(columnCount: number, private readonly sink: RowSink, private readonly limit: number) {
    this.parser = new CopyTextParser(columnCount, (row) => {
      if (!sink.write(row)) this.more = false;
      return !sink.full && ++this.rowsSeen < limit;
    });
  }

  get full(): boolean {
    return this.sink.full || this.rowsSeen >= this.limit;
  }

  write(chunk: Buffer): boolean {
    this.more = true;
    this.parser.push(chunk);
    return this.more;
  }

  drained(): Promise<void> {
    return this.sink.drained();
  }

  end(): void {
    if (this.parser.hasPartialRow) throw new ConnectorError('CONNECTOR_ERROR', 'The PostgreSQL COPY output ended in the middle of a row; retry the import');
  }
}
