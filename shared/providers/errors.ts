/** Provider options that cannot work: unknown provider, bad URL, non-positive rate or timeout. */
export class ProviderConfigError extends Error {
  override name = 'ProviderConfigError';
}

/** A fetch request that is a caller's bug: empty symbol, malformed date, end before start. */
export class InvalidFetchRequestError extends Error {
  override name = 'InvalidFetchRequestError';
}
