/**
 * @module capture/limits
 * Sanity limits for lengths read from capture files, following libpcap's behaviour (learned from
 * its sf-pcap.c/pcap-common.c, not copied): a record whose captured length exceeds the largest
 * snapshot length that makes sense for its link type is rejected; a file snaplen of 0 or above that
 * maximum is replaced by it.
 */

/** The maximum snapshot length libpcap accepts for most link types (256 KiB). */
export const MAX_SNAPLEN_DEFAULT = 262144;

/** pcapng blocks larger than this are rejected unless an interface's link type needs more. */
export const MAX_PCAPNG_BLOCK_DEFAULT = 16 * 1024 * 1024;

/** Link types with a larger maximum snapshot length (D-Bus, EBHSCR, USBPcap). */
const MAX_SNAPLEN_BY_LINKTYPE: ReadonlyMap<number, number> = new Map([
  [231, 128 * 1024 * 1024],
  [279, 8 * 1024 * 1024],
  [249, 1024 * 1024],
]);

/**
 * The largest captured length accepted for a link type.
 * @example maxSnaplenForLinkType(1) // 262144
 */
export function maxSnaplenForLinkType(linkType: number): number {
  return MAX_SNAPLEN_BY_LINKTYPE.get(linkType) ?? MAX_SNAPLEN_DEFAULT;
}

/**
 * The snapshot length used for reading: the file's value, or the link type's maximum when the file
 * says 0 or something larger than that maximum.
 * @example effectiveSnaplen(1, 0) // 262144
 */
export function effectiveSnaplen(linkType: number, fileSnaplen: number): number {
  const max = maxSnaplenForLinkType(linkType);
  return fileSnaplen <= 0 || fileSnaplen > max ? max : fileSnaplen;
}

/** The largest pcapng block accepted once an interface of `linkType` exists. */
export function maxBlockForLinkType(linkType: number): number {
  return Math.max(MAX_PCAPNG_BLOCK_DEFAULT, maxSnaplenForLinkType(linkType) + 131072 + 64);
}
