import axios from 'axios';

export function createFloorActivities() {
  const client = axios.create();
  return {
    async post(url: string, ref: string): Promise<void> {
      await client.post(url, { ref });
    },
  };
}

export type FloorActivities = ReturnType<typeof createFloorActivities>;
