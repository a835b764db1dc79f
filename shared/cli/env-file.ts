/**
 * Reads `.env` from the working directory into process.env, if there is one. Variables already set in
 * the environment win over the file (process.loadEnvFile never overwrites them). A file that exists
 * but cannot be read or parsed is a configuration error: one line on stderr and exit 2.
 */
export function loadEnvFile(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    process.stderr.write(`${path} could not be read: ${(error as Error).message.split('\n')[0]}\n`);
    process.exit(2);
  }
}
