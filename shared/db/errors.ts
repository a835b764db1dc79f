/** The embedded PostgreSQL could not be initialised, started or stopped. */
export class LocalPostgresError extends Error {
  override name = 'LocalPostgresError';
}

/** The migrations folder or the database's migration history is not in a state we can apply. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** A job or task referenced by id does not exist. */
export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
}

/** Bars or tasks refer to an asset id the assets table does not have. */
export class UnknownAssetError extends Error {
  override name = 'UnknownAssetError';
}
