/**
 * The CLI's one error type: a message that fits on one line and the exit code it means.
 * main() prints `crlab: MESSAGE` on stderr and exits with the code; nothing else ever reaches
 * the user as a stack trace.
 */
export const EXIT_OK = 0;
/** The answer is no: an expectation failed, an image is invalid, a restart was refused. */
export const EXIT_FAILED = 1;
/** The question could not be asked: bad arguments, unreadable or malformed input. */
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
  }
}
