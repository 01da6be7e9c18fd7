// One answer per service a process depends on, for the gateway's and the worker's /healthz.

export type ServiceState = 'ok' | 'down';
export type ServiceHealth = Record<string, ServiceState>;

/** 'ok' when `check` resolves within `timeoutMs`, else 'down'. */
export async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<ServiceState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** Whether every service answered: /healthz answers 200 then, else 503. */
export function allOk(services: ServiceHealth): boolean {
  return Object.values(services).every((s) => s === 'ok');
}
