/**
 * @module capture/types
 * The data the capture-file readers produce: one {@link CaptureRecord} per packet, the file-level
 * {@link CaptureInfo}, and the issues ({@link DecodeIssue} with layer `pcap`/`pcapng`, absolute
 * file offsets) that stop or annotate a read. Pure types, no I/O.
 */
import type { DecodeIssue } from '../wire/packet.js';

/** One captured packet as stored in a pcap or pcapng file. */
export interface CaptureRecord {
  /** CLOCK_REALTIME in nanoseconds (pcapng: if_tsresol and if_tsoffset applied). */
  readonly tsNs: bigint;
  /** Whole seconds of `tsNs` (a number, for fast formatting). */
  readonly tsSec: number;
  /**
   * Nanoseconds within the second: 0..999 999 999, except in damaged pcap files whose fraction
   * field is out of range, where it is the field scaled to ns as written (tsNs stays exact).
   */
  readonly tsFracNs: number;
  /** Bytes of packet data present (`data.length`). */
  readonly caplen: number;
  /** Length of the packet on the wire. */
  readonly origLen: number;
  /** LINKTYPE_* of this packet (pcap: the file's; pcapng: its interface's). */
  readonly linkType: number;
  /** pcapng interface id within its section (0 for pcap and SPB). */
  readonly interfaceIndex: number;
  /** The packet bytes: a zero-copy view into the input (never overwritten by the reader). */
  readonly data: Uint8Array;
  /** Absolute file offset of `data[0]`. */
  readonly offset: number;
}

/** One pcapng interface (pcap files have exactly one, synthesised from the file header). */
export interface CaptureInterface {
  /** 0-based pcapng section number this interface belongs to. */
  readonly sectionIndex: number;
  /** Interface id within its section (what EPBs refer to). */
  readonly interfaceIndex: number;
  readonly linkType: number;
  /** Snapshot length as used for reading (0 or too large in the file: the link type's maximum). */
  readonly snaplen: number;
  /** Timestamp units per second (1e6 for µs, 1e9 for ns, 2^k for binary if_tsresol). */
  readonly tsUnitsPerSec: bigint;
  /** if_tsoffset in seconds (0 when absent). */
  readonly tsOffsetSec: bigint;
  /** if_name, when present. */
  readonly name?: string;
}

/** File-level facts. For pcapng, linkType/snaplen/precision are those of the first interface. */
export interface CaptureInfo {
  readonly format: 'pcap' | 'pcapng';
  /** Byte order of the file (pcapng: of the first section). */
  readonly byteOrder: 'little' | 'big';
  /** `micro`/`nano` for pcap magics and pcapng 10^-6/10^-9 resolutions, else `other`. */
  readonly precision: 'micro' | 'nano' | 'other';
  /** LINKTYPE_* (pcapng: of the first interface; -1 until an IDB has been read). */
  readonly linkType: number;
  /** Snapshot length as used for reading (see {@link CaptureInterface.snaplen}); -1 until known. */
  readonly snaplen: number;
  /** The snaplen field exactly as written in the file (pcap header / first IDB). */
  readonly fileSnaplen: number;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** Every interface seen so far, in file order (grows while a pcapng stream is read). */
  readonly interfaces: readonly CaptureInterface[];
  /** Number of pcapng sections seen so far (1 for pcap). */
  readonly sections: number;
}

/**
 * A capture-file issue: the shared {@link DecodeIssue} (layer `pcap` or `pcapng`, `offset` from the
 * file's first byte). `fatal` issues end the read (every record before them is kept); the others
 * (e.g. caplen > snaplen, truncated to snaplen as libpcap does) annotate one record and reading
 * goes on.
 */
export interface CaptureIssue extends DecodeIssue {
  readonly fatal: boolean;
}
