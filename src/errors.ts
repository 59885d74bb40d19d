// Every error branchy throws on purpose is one of these classes, so a caller can tell
// a bad file from a bad input from an engine that cannot run the wasm.

/** The longest message a branchy error carries: a value from a hostile file is never rendered whole. */
export const MAX_ERROR_MESSAGE = 4000;

/** A message of at most MAX_ERROR_MESSAGE characters: its start and end, the middle elided. */
export function boundMessage(message: string): string {
  if (message.length <= MAX_ERROR_MESSAGE) return message;
  const half = (MAX_ERROR_MESSAGE >> 1) - 40;
  return `${message.slice(0, half)} … (${message.length - 2 * half} characters left out) … ${message.slice(-half)}`;
}

/** Base class of all branchy errors. */
export class BranchyError extends Error {
  constructor(message: string) {
    super(boundMessage(message));
    this.name = new.target.name;
  }
}

/** The model file is truncated, corrupt, or of a version this reader does not know. */
export class BranchyFormatError extends BranchyError {}

/** An ONNX op, attribute or value that branchy does not support. */
export class BranchyUnsupportedError extends BranchyError {}

/** An input of the wrong shape, dtype, or with values the model cannot take (NaN, Inf). */
export class BranchyInputError extends BranchyError {}

/** The engine cannot compile or instantiate the requested wasm build. */
export class BranchyWasmError extends BranchyError {}

/** A request past a configured limit (memory cap, tensor size). */
export class BranchyLimitError extends BranchyError {}
