/**
 * The worker process of `tract/jobs.ts`: initialises the backend (with the `TRACT_THREADS` its parent
 * set), then runs the experiments of each group it is sent with `runExperiment`, forwarding its log
 * lines and sending each run's summary back. It never takes the results folder's lock: the parent
 * holds it for the whole suite.
 *
 * @module tract/jobWorker
 */
import { initBackend } from '../engine/backend';
import type { JobMessage, JobRequest } from './jobs';
import { suiteShift } from './distributionShift';
import { runExperiment } from './pipeline';

function send(m: JobMessage): void {
  process.send?.(m);
}

async function serve(): Promise<void> {
  const backend = await initBackend();
  process.on('message', (request: JobRequest) => {
    void (async () => {
      try {
        const log = (line: string) => send({ type: 'log', line });
        const trainLog = (line: string, final: boolean) => {
          if (final || request.progress) send({ type: 'train', line, final });
        };
        for (const { index, cfg } of request.items) {
          log(`== ${cfg.method} (seed ${cfg.seed})`);
          const ctx = {
            resultsDir: request.resultsDir,
            backend,
            log,
            trainLog,
            reuseRunFolders: request.reuseRunFolders,
          };
          const summary = await runExperiment(cfg, ctx);
          send({ type: 'result', index, summary });
          // the suite's shift measurement, cached here so that it overlaps the other jobs
          if (index === request.shiftItem) await suiteShift([summary], cfg.method, request.resultsDir, null, log);
        }
        send({ type: 'done' });
      } catch (err) {
        send({ type: 'error', message: (err as Error).stack ?? String(err) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

serve().catch((err) => {
  send({ type: 'error', message: (err as Error).stack ?? String(err) });
  process.exit(1);
});
