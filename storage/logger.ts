/** How storage reports upward: a pino-compatible logger, injected (never imported from broker/). */
export interface StorageLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: StorageLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
