import { deliver } from './deliver';

/** Re-sends a failed delivery, with its original webhook-id and a fresh retry schedule. */
export async function redelivery(input: { deliveryId: string; retryBase: number }): Promise<{ delivered: boolean }> {
  return { delivered: (await deliver(input.deliveryId, input.retryBase)) !== undefined };
}
