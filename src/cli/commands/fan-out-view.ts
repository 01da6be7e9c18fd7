// A fan-out as the gateway shows it, and its lines in human output.
import { formatTime, printFields } from '../output';

export interface FanOutView {
  id: string;
  campaignId?: string;
  execution: string;
  progress?: { status: string; matched: number; entered: number; skipped: number; waitingFor?: string };
  startedAt: string;
  closedAt?: string;
}

export function printFanOut(fanOut: FanOutView): void {
  const { progress } = fanOut;
  printFields([
    ['id', fanOut.id],
    ['campaign', fanOut.campaignId],
    ['status', progress?.status ?? fanOut.execution.toLowerCase()],
    ['matched', progress?.matched],
    ['entered', progress?.entered],
    ['skipped', progress?.skipped],
    ['waiting for', progress?.waitingFor],
    ['started', formatTime(fanOut.startedAt)],
    ['closed', formatTime(fanOut.closedAt)],
  ]);
}
