import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
const c = new SecretsManagerClient({});
export const handler = async () => c.send(new GetSecretValueCommand({ SecretId: 'x' }));
