/** Child process for the kill test: publishes and SIGKILLs itself at the given phase. */
import { publish } from '../../compiler/publish/index.js';
import { planFrom, prod } from './helpers.js';

const [repoDir, phase] = process.argv.slice(2);
await publish({
  repoDir,
  environment: prod,
  plan: planFrom(repoDir, prod),
  onProgress: (e) => {
    if (e.phase === phase) process.kill(process.pid, 'SIGKILL');
  },
});
process.exit(3); // not reached when killed
