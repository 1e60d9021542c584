/**
 * The protocol's CancelRequest (PostgreSQL docs, "Canceling Requests in Progress"): a 16-byte
 * packet on a NEW connection carrying the backend's pid and secret key from BackendKeyData.
 *
 * Chosen over `select pg_cancel_backend(pid)` from a second session because it needs no login:
 * no password round trip (SCRAM costs ~10 ms of CPU on the server), no connection slot, no
 * privilege, and the postmaster handles it before pg_hba.conf, so it works even when the remote
 * allows a single session per user. node-postgres has no public cancel (its Client#cancel is
 * undocumented and reuses the TLS settings of a throwaway client).
 *
 * Sent in plain text like libpq < 17's PQcancel: the packet holds only the pid and a random key.
 */
import net from 'node:net';

const CANCEL_REQUEST_LENGTH = 16;
/** 1234 << 16 | 5678: the CancelRequest code (src/include/libpq/pqcomm.h). */
const CANCEL_REQUEST_CODE = 80877102;
/** The postmaster closes the socket right after reading the packet; this bounds a dead network. */
const CANCEL_TIMEOUT_MS = 2_000;

export interface BackendKey {
  processID: number;
  secretKey: number;
}

/** Sends the cancel and resolves when the server closed the socket; returns an error instead of throwing. */
export function sendCancelRequest(host: string, port: number, key: BackendKey): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const packet = Buffer.alloc(CANCEL_REQUEST_LENGTH);
    packet.writeInt32BE(CANCEL_REQUEST_LENGTH, 0);
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    packet.writeInt32BE(key.processID, 8);
    packet.writeInt32BE(key.secretKey | 0, 12);
    let settled = false;
    const socket = net.connect({ host, port });
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(err);
    };
    const timer = setTimeout(() => done(new Error(`no answer to the cancel request within ${CANCEL_TIMEOUT_MS} ms`)), CANCEL_TIMEOUT_MS);
    socket.once('connect', () => socket.end(packet));
    socket.once('error', (err) => done(err));
    socket.once('close', () => done());
    socket.resume();
  });
}
