// A stand-in process for the supervisor tests: says it is ready, then exits with code 3 after
// EXIT_AFTER_MS (printing why), or runs until it is stopped.
console.log('flaky process ready');
const exitAfter = Number(process.env.EXIT_AFTER_MS ?? 0);
if (exitAfter > 0) {
  setTimeout(() => {
    console.error('boom: the flaky process gives up');
    process.exit(3);
  }, exitAfter);
} else {
  setInterval(() => undefined, 1_000);
}
