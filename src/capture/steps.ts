/**
 * @module capture/steps
 * The answers of one parser step (see CaptureParser.step).
 */

/** A record is ready in the parser's cursor fields; `consumed` bytes were used. */
export const STEP_RECORD = 1;
/** A header or non-packet block was consumed (`consumed` bytes); no record. */
export const STEP_SKIP = 2;
/** More input is needed: at least `needTotal` bytes from `pos` (only when not at end of input). */
export const STEP_NEED = 3;
/** Clean end of input at a record boundary. */
export const STEP_END = 4;
/** Reading stopped with `stopIssue` (fatal). */
export const STEP_STOP = 5;

export type Step =
  typeof STEP_RECORD | typeof STEP_SKIP | typeof STEP_NEED | typeof STEP_END | typeof STEP_STOP;
