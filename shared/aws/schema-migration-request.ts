import { describeIssue, InputError } from '#shared/domain/errors.ts';
import * as z from '#shared/domain/zod.ts';

const migrationProperties = z.looseObject({
  /** hashMigrations() of the migrations/ the template was synthesized with. */
  MigrationsHash: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
});

/**
 * The parts of a CloudFormation custom-resource request (through the CDK Provider framework) that the
 * migrate function reads. On an Update, OldResourceProperties are those of the resource's current
 * state: on a rollback, the properties of the update that is being undone.
 */
const schemaMigrationRequestSchema = z.discriminatedUnion('RequestType', [
  z.looseObject({ RequestType: z.literal('Create'), ResourceProperties: migrationProperties }),
  z.looseObject({
    RequestType: z.literal('Update'),
    PhysicalResourceId: z.string().check(z.minLength(1)),
    ResourceProperties: migrationProperties,
    OldResourceProperties: migrationProperties,
  }),
  z.looseObject({ RequestType: z.literal('Delete'), PhysicalResourceId: z.string().check(z.minLength(1)) }),
]);
export type SchemaMigrationRequest = z.infer<typeof schemaMigrationRequestSchema>;

/**
 * Validates the event the Provider framework passes on.
 * @throws InputError naming the first field that is missing or malformed.
 */
export function parseSchemaMigrationRequest(event: unknown): SchemaMigrationRequest {
  const parsed = schemaMigrationRequestSchema.safeParse(event);
  if (!parsed.success) {
    throw new InputError(`migrate: ${describeIssue(parsed.error.issues[0], 'custom-resource request')}`);
  }
  return parsed.data;
}
