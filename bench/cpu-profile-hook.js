/**
 * Preloaded (`node -r`) into the service only when the bench profiles it. Inert until
 * SIGUSR2: the first signal starts the V8 CPU profiler, the second writes the profile to
 * BENCH_CPU_PROFILE. `--cpu-prof` cannot be used because it writes only on a normal exit,
 * and a signalled shutdown re-raises the signal; it would also cover boot and seeding,
 * while this covers exactly the round being studied.
 */
const { Session } = require('node:inspector');
const { renameSync, writeFileSync } = require('node:fs');

const target = process.env.BENCH_CPU_PROFILE;
let session;

// Connected only while profiling: an attached inspector session slows the process down
// (measured: /health/live at half its speed), which would distort the rounds before it.
process.on('SIGUSR2', () => {
  if (!session) {
    session = new Session();
    session.connect();
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 200 }, () =>
        // The bench waits for this file before it sends the load to be profiled.
        session.post('Profiler.start', () => {
          if (target) writeFileSync(`${target}.started`, '');
        }),
      ),
    );
    return;
  }
  const stopping = session;
  session = undefined;
  stopping.post('Profiler.stop', (error, result) => {
    // Written aside and renamed, so the profile appears whole: the bench reads it as soon as it exists.
    if (!error && target) {
      writeFileSync(`${target}.partial`, JSON.stringify(result.profile));
      renameSync(`${target}.partial`, target);
    }
    stopping.disconnect();
  });
});
