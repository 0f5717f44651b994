/**
 * Child process for the crash-safety tests: one publish of the source repository (argv[2]),
 * pushing when argv[3] is "push". The parent kills it at a random moment.
 */
import { publish } from '../../compiler/publish/index.js';
import { planFrom, prod } from '../publish/helpers.js';

const [repoDir, mode] = process.argv.slice(2);
const r = await publish({ repoDir, environment: prod, plan: planFrom(repoDir, prod), push: mode === 'push', retry: { minDelayMs: 5 } });
process.stdout.write(JSON.stringify({ status: r.status, codes: r.diagnostics.map((d) => d.code) }) + '\n');
