// Repetition on a fixed clock: the k-th run is due at start + k·period, so one late run (a
// loaded machine) does not push every later one back as setInterval does. Runs missed while
// the process was held up are skipped, as a PLC scan or an HMI poll would skip them.

export function every(seconds: number, run: () => void): void {
  const period = seconds * 1000;
  let due = Date.now() + period;
  const tick = () => {
    run();
    const now = Date.now();
    do due += period;
    while (due <= now);
    setTimeout(tick, due - now);
  };
  setTimeout(tick, period);
}

/** One JSON line on standard output, stamped with the time: the peer's log, read by the tests. */
export function log(what: object): void {
  process.stdout.write(JSON.stringify({ ts: Date.now() / 1000, ...what }) + '\n');
}
