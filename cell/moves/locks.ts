// DDL on a live cell (installing or dropping triggers) queues behind running transactions and,
// while queued, blocks every later writer of the table. A short lock_timeout plus retries keeps
// that stall to milliseconds for the other tenants instead of the length of someone's transaction.
const LOCK_NOT_AVAILABLE = "55P03";

export async function retryOnLockTimeout<T>(work: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}
