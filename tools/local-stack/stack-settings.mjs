// What the local stack sets for every service, decided from the user's environment: the user's own value wins.

const TRUE = new Set(['true', '1', 'yes']);

/**
 * HOOKMESH_ALLOW_PRIVATE_TARGETS: the user's value, else on (the demo receiver listens on http://127.0.0.1).
 * HOST: the user's value, else 127.0.0.1: a development stack that may call private addresses must not be
 * reachable from the network.
 */
export function stackSettings(userEnv) {
  const allow = userEnv.HOOKMESH_ALLOW_PRIVATE_TARGETS;
  const host = userEnv.HOST;
  const allowPrivateTargets = allow === undefined || allow === '' ? 'true' : allow;
  return {
    env: { HOOKMESH_ALLOW_PRIVATE_TARGETS: allowPrivateTargets, HOST: host === undefined || host === '' ? '127.0.0.1' : host },
    /** Whether callbacks may target the demo receiver on loopback (else the stack registers no demo callback). */
    privateTargets: TRUE.has(allowPrivateTargets.toLowerCase()),
  };
}
