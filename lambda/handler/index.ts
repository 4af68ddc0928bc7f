/**
 * The Lambda entry point (`index.handler` of the bundled function). It builds the real dependencies
 * from the environment once per container, on the first invocation, so loading this module stays
 * cheap and the data-key cache lives as long as the warm container.
 */
import type { EnvelopeFunctionConfig } from './config';
import { createHandler, operationOf, type EnvelopeHandler, type EnvelopeInvocationContext, type EnvelopeResponse } from './create-handler';
import { dependenciesFromEnvironment } from './environment';
import { toErrorResponse } from './errors';
import { CallLogger } from './logger';

let container: Promise<EnvelopeHandler> | undefined;

/** Builds the container's handler on first use; a configuration error is kept and answered to every call. */
async function containerHandler(): Promise<EnvelopeHandler> {
  container ??= (async () => {
    const started = Date.now();
    try {
      const deps = await dependenciesFromEnvironment(process.env);
      writeInitLine({ level: 'INFO', backend: deps.backend, keyArn: deps.config.keyArn, cacheCapacity: deps.config.cache.capacity, ...branchKeyStoreOf(deps.config), durationMs: Date.now() - started });
      return createHandler(deps);
    } catch (err) {
      const response = toErrorResponse(err);
      // Configuration messages name variables and their (non-secret) values: the operator needs them.
      writeInitLine({ level: 'ERROR', ...response, durationMs: Date.now() - started });
      const logger = new CallLogger();
      return async (event: unknown, context?: EnvelopeInvocationContext) => {
        logger.start(operationOf(event), context?.awsRequestId).fail(err);
        return response;
      };
    }
  })();
  return container;
}

/** The branch key store the function reads, for the start-up line. */
function branchKeyStoreOf(config: EnvelopeFunctionConfig): Record<string, string> {
  const store = config.branchKeyStore;
  return store ? { branchKeyStore: store.logicalKeyStoreName, branchKeyTable: store.tableName } : {};
}

function writeInitLine(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ timestamp: new Date().toISOString(), type: 'securekey.init', ...fields })}\n`);
}

/**
 * The Lambda entry point. Configuration errors are returned as `{ errorType: 'ConfigurationError',
 * message }` from every invocation (and logged once), rather than thrown during init, where Lambda
 * would answer callers with a stack trace.
 */
export const handler = async (event: unknown, context?: EnvelopeInvocationContext): Promise<EnvelopeResponse> =>
  (await containerHandler())(event, context);
