/**
 * Connections each warm function environment may hold (the Lambda client's pool `max`): one for the
 * work, one for a heartbeat or a reconnect. infra/connection-budget.ts counts with this same value.
 */
export const LAMBDA_POOL_SIZE = 2;
