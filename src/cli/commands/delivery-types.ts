// The shape of a delivery as GET /v1/deliveries answers (src/gateway/routes/deliveries.ts).

export interface DeliveryAttemptView {
  attempt: number;
  at: string;
  latencyMs: number;
  status?: number;
  errorClass?: string;
  error?: string;
}

export interface DeliveryView {
  id: string;
  journeyId: string;
  campaignId: string;
  userId: string;
  stepId: string;
  destinationId?: string;
  status: string;
  attempts: DeliveryAttemptView[];
  error?: string;
  createdAt: string;
  updatedAt: string;
}

/** The last attempt in a few characters: its HTTP status, else its error class. */
export function lastAttempt(delivery: DeliveryView): string | undefined {
  const last = delivery.attempts.at(-1);
  if (!last) return undefined;
  return last.status !== undefined ? String(last.status) : last.errorClass;
}
