// Apart from the console's server so that the command line can name this error without loading
// the web stack: every other command (the boot failsafe among them) starts that much faster.

export class ConsoleListenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsoleListenError';
  }
}
