/**
 * @module format/app/text.test
 * The text-protocol and SSH printers on hand-made payloads. Every expected string was read from
 * the installed tcpdump 4.99.3 on the same bytes (`tcpdump -n -r` and `-v`); the differential test
 * re-checks such payloads against tcpdump itself.
 */
import { describe, expect, it } from 'vitest';
import { formatTcpPayload } from './index.js';

const HEADER = 54;

/** formatTcpPayload on `payload` between port 40000 and `port`, cut after `captured` bytes. */
function print(port: number, payload: string, verbose = 0, captured = payload.length): string {
  const frame = new Uint8Array(HEADER + payload.length);
  for (let i = 0; i < payload.length; i++) frame[HEADER + i] = payload.charCodeAt(i) & 0xff;
  return formatTcpPayload(frame, HEADER, payload.length, HEADER + captured, 40000, port, verbose);
}

describe('HTTP / RTSP (request method or response code decides)', () => {
  it('prints the first line of a response or a request, in any letter case', () => {
    expect(print(80, 'HTTP/1.1 200 OK\r\nServer: x\r\n\r\n')).toBe(': HTTP: HTTP/1.1 200 OK');
    expect(print(80, 'get /x HTTP/1.0\r\nHost: a\r\n')).toBe(': HTTP: get /x HTTP/1.0');
    expect(print(8080, 'POST /p HTTP/1.1\r\n')).toBe(': HTTP: POST /p HTTP/1.1');
    expect(print(554, 'RTSP/1.0 200 OK\r\nCSeq: 1\r\n')).toBe(': RTSP: RTSP/1.0 200 OK');
  });

  it('prints only the protocol for bodies, leading blanks, binary or CR-without-LF lines', () => {
    expect(print(80, '<html><body>hi</body></html>\r\n')).toBe(': HTTP');
    expect(print(80, '  GET / HTTP/1.1\r\n')).toBe(': HTTP');
    expect(print(80, 'HTTP/1.1 200 OK\rX')).toBe(': HTTP');
    expect(print(80, 'HTTP/1.1 200 OK\rX', 1)).toBe(': HTTP, length: 17');
  });

  it('keeps tokens of up to 128 characters, like tcpdump', () => {
    expect(print(80, `${'A'.repeat(128)} 200 x\r\n`)).toBe(`: HTTP: ${'A'.repeat(128)} 200 x`);
    expect(print(80, `${'A'.repeat(129)} 200 x\r\n`)).toBe(': HTTP');
  });

  it('marks an unterminated first line as truncated', () => {
    expect(print(80, 'GET /abc')).toBe(': HTTP: GET /abc [|http]');
    expect(print(80, 'GET /abc', 1)).toBe(': HTTP, length: 8\n\tGET /abc [|http]');
  });

  it('prints every complete line under -v, stopping at the first binary one', () => {
    expect(print(80, 'HTTP/1.1 200 OK\r\nServer: x\r\n\r\n', 1)).toBe(
      ': HTTP, length: 30\n\tHTTP/1.1 200 OK\n\tServer: x\n\t',
    );
    expect(print(80, 'HTTP/1.1 200 OK\r\n\x00\x01', 1)).toBe(': HTTP, length: 19\n\tHTTP/1.1 200 OK');
  });

  it('does not print a line it cannot see whole (cut capture)', () => {
    expect(print(80, 'GET / HTTP/1.1\r\n', 0, 0)).toBe(': HTTP');
  });
});

describe('FTP / SMTP / WHOIS (always the first line)', () => {
  it('prints the first line, tabs included', () => {
    expect(print(21, '220 Welcome\r\n')).toBe(': FTP: 220 Welcome');
    expect(print(43, 'domain\twhois\n')).toBe(': WHOIS: domain\twhois');
    expect(print(21, '220 Welcome\r\n', 1)).toBe(': FTP, length: 13\n\t220 Welcome');
  });

  it('prints only the protocol for binary data, and the marker when the bytes are missing', () => {
    expect(print(25, '\x01abc\r\n')).toBe(': SMTP');
    expect(print(21, '220 hi\r\n', 0, 0)).toBe(': FTP [|ftp]');
    expect(print(21, '220 hi\r\n', 0, 3)).toBe(': FTP [|ftp]');
    expect(print(21, '220 hi\r\n', 1, 3)).toBe(': FTP, length: 8 [|ftp]');
  });
});

describe('SSH', () => {
  it('prints a complete version line and nothing else', () => {
    expect(print(22, 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')).toBe(': SSH: SSH-2.0-OpenSSH_9.2p1 Debian-2');
    expect(print(22, 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n', 1)).toBe(': SSH: SSH-2.0-OpenSSH_9.2p1 Debian-2');
    expect(print(22, 'SSH-2.0-x')).toBe('');
    expect(print(22, '\x00\x00\x01\x0c\x0a\x14')).toBe('');
  });

  it('marks a banner cut before its first four bytes', () => {
    expect(print(22, 'SSH-2.0-x\r\n', 0, 2)).toBe(' [|ssh]');
  });
});
