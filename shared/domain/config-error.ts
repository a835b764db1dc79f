/** Thrown when the environment is missing or has a malformed setting; the message names it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
