// @axme/axme (ES module entry): the same objects as the CommonJS entry, so `instanceof` agrees
// whichever way the package is loaded.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axme = require('./index.js');

export const {
  AxmeClient,
  AxmeStream,
  VERSION,
  AxmeError,
  AxmeHttpError,
  AxmeAuthError,
  AxmeValidationError,
  AxmeConflictError,
  AxmeNotFoundError,
  AxmeRateLimitError,
  AxmeServerError,
  AxmeTimeoutError,
  AxmeConnectionError,
  AxmeProtocolError,
  AxmeInvalidArgumentError,
  AxmeMcpError,
  AxmeCanceledError,
  AxmeInternalError,
} = axme;
export default axme;
