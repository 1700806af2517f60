/**
 * @module format/app
 * Application-layer payload printers (placeholder until the app printers land).
 */
export function formatTcpPayload(
  _bytes: Uint8Array,
  _start: number,
  _payloadLength: number,
  _capEnd: number,
  _srcPort: number,
  _dstPort: number,
  _verbose: number,
): string {
  return '';
}
