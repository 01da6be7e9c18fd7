/** Figures read from the dev server's Prometheus endpoint. */
export interface TemporalCounters {
  /** Start and signal calls its frontend served. */
  startCalls: number;
  /** Writes of workflow state to its database (SQLite for the dev server), and their total seconds. */
  stateWrites: number;
  stateWriteSeconds: number;
}

function sum(text: string, metric: string, operations: RegExp): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${metric}{`) && operations.test(line)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export async function readTemporalCounters(metricsUrl: string | undefined): Promise<TemporalCounters | undefined> {
  if (!metricsUrl) return undefined;
  const text = await (await fetch(metricsUrl)).text();
  const writes = /operation="(UpdateWorkflowExecution|CreateWorkflowExecution)"/;
  return {
    startCalls: sum(
      text,
      'service_requests',
      /operation="(StartWorkflowExecution|SignalWithStartWorkflowExecution|SignalWorkflowExecution)"/,
    ),
    stateWrites: sum(text, 'persistence_latency_count', writes),
    stateWriteSeconds: sum(text, 'persistence_latency_sum', writes),
  };
}
