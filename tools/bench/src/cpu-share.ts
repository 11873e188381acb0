// Which part of a run's CPU Hookmesh's own services spent and which the parts they run on (nats-server, Postgres)
// and the bench's own processes (receiver, load generator): issue 17's budget is on the total, and the rest is the
// floor that no change to the services moves.

/** CPU-seconds of the named services and of every other measured process; unmeasured (null) processes count in neither. */
export function splitCpu(cpuSeconds: Readonly<Record<string, number | null>>, services: readonly string[]): { services: number; rest: number } {
  let own = 0;
  let rest = 0;
  for (const [name, seconds] of Object.entries(cpuSeconds)) {
    if (seconds === null) continue;
    if (services.includes(name)) own += seconds;
    else rest += seconds;
  }
  return { services: own, rest };
}
