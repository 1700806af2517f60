/**
 * @module util/errors
 * Errors that cross the public API. Every class has a stable `code` (`TCPSCOPE_ERR_…`) so callers
 * and the CLI can branch on it without parsing messages. Hot paths return result objects instead.
 */

/** Base class of every error tcpscope throws on purpose. */
export class TcpscopeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A required tool (tcpdump, netstat, …) is not installed. */
export class ToolMissingError extends TcpscopeError {
  constructor(tool: string, hint: string) {
    super('TCPSCOPE_ERR_TOOL_MISSING', `${tool} is not installed: ${hint}`);
  }
}

/** The caller lacks a privilege (capture rights, tracefs access, …). */
export class PermissionError extends TcpscopeError {
  constructor(what: string, hint: string) {
    super('TCPSCOPE_ERR_PERMISSION', `${what}: permission denied. ${hint}`);
  }
}

/** Input the user gave us (a file, an option value) is not usable. */
export class InputError extends TcpscopeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TCPSCOPE_ERR_INPUT', message, options);
  }
}

/** Small helper for a typed success/failure result on hot paths. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; issue: E };
