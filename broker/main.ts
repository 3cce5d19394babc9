/**
 * Running a broker as a process: resolve the configuration, start, log one ready line, and
 * shut down cleanly on SIGTERM/SIGINT (stop accepting, finish in-flight requests, flush,
 * write the clean-shutdown marker).
 */
import { pino } from 'pino';
import { startBroker } from './broker.js';
import { ConfigError, resolveBrokerConfig } from './config.js';

export async function runBrokerProcess(opts: {
  file?: string | undefined;
  flags: Record<string, unknown>;
}): Promise<number> {
  let config: ReturnType<typeof resolveBrokerConfig>;
  try {
    config = resolveBrokerConfig({ file: opts.file, env: process.env, flags: opts.flags });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel });
  let broker: Awaited<ReturnType<typeof startBroker>>;
  try {
    broker = await startBroker({ ...config, logger });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint =
      e.code === 'EADDRINUSE'
        ? `port ${config.port} on ${config.host} is already in use; stop the other process or pass --port`
        : e.message;
    logger.fatal({ err }, `broker failed to start: ${hint}`);
    process.stderr.write(`error: broker failed to start: ${hint}\n`);
    return 4;
  }
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, `received ${signal}; shutting down`);
      broker.close().then(
        () => {
          logger.info('broker stopped cleanly');
          resolve(0);
        },
        (err) => {
          logger.error({ err }, 'broker shutdown failed');
          resolve(4);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
