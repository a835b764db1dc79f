import { describe, expect, it } from 'vitest';
import { loadStageConfig, StageConfigError, stageConfigInput } from '#infra/config.ts';
import { connectionBudget, INSTANCE_CLASS_MEMORY_GIB, maxConnectionsOf } from '#infra/connection-budget.ts';

describe('the connection budget', () => {
  it('estimates max_connections within what RDS reports for a db.t4g.micro (80-90)', () => {
    expect(maxConnectionsOf('t4g.micro')).toBeGreaterThanOrEqual(80);
    expect(maxConnectionsOf('t4g.micro')).toBeLessThanOrEqual(90);
    expect(maxConnectionsOf('t4g.medium')).toBe(337);
  });

  it('knows the memory of every class the config admits, and caps at 5000 connections', () => {
    for (const instanceClass of Object.keys(
      INSTANCE_CLASS_MEMORY_GIB,
    ) as (keyof typeof INSTANCE_CLASS_MEMORY_GIB)[]) {
      expect(maxConnectionsOf(instanceClass)).toBeGreaterThan(0);
      expect(maxConnectionsOf(instanceClass)).toBeLessThanOrEqual(5000);
    }
  });

  it('accepts both stages as configured, each with room to spare', () => {
    for (const stage of ['dev', 'prod'] as const) {
      const config = loadStageConfig(stage);
      const budget = connectionBudget({
        instanceClass: config.database.instanceType,
        ingestConcurrency: config.ingest.reservedConcurrency ?? config.ingest.maxConcurrency,
      });
      expect(budget.peak).toBeLessThanOrEqual(budget.allowed);
    }
  });

  it('rejects ingest concurrency a t4g.micro cannot serve, saying what to lower and to what', () => {
    const input = stageConfigInput('dev');
    input.ingest.maxConcurrency = 1000;
    expect(() => loadStageConfig('dev', input)).toThrow(StageConfigError);
    expect(() => loadStageConfig('dev', input)).toThrow(
      /^stage dev: the pipeline may open 2025 database connections but db.t4g.micro allows it 42 \(half of ~84, infra\/connection-budget.ts\): lower ingest.maxConcurrency\/reservedConcurrency to at most 8 or choose a larger database.instanceType$/,
    );
  });

  it('accepts the highest ingest concurrency it names, and rejects one more', () => {
    const input = stageConfigInput('dev');
    input.ingest.maxConcurrency = 8;
    expect(() => loadStageConfig('dev', input)).not.toThrow();
    input.ingest.maxConcurrency = 9;
    expect(() => loadStageConfig('dev', input)).toThrow(/at most 8 /);
  });

  it('counts reserved concurrency over the event source maximum when both are set', () => {
    const input = stageConfigInput('prod');
    input.ingest = { maxConcurrency: 5, reservedConcurrency: 200 };
    expect(() => loadStageConfig('prod', input)).toThrow(/db.t4g.medium allows it 168/);
  });

  it('rejects an instance class it has no memory for', () => {
    const input = stageConfigInput('dev');
    input.database.instanceType = 'x2g.large' as never;
    expect(() => loadStageConfig('dev', input)).toThrow(/is not in INSTANCE_CLASS_MEMORY_GIB/);
  });
});
