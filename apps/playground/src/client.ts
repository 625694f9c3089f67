import type { RequestType, Requests, ResponseMessage, Responses } from './protocol.js';

/** An error thrown in the worker, with its original class name (CheckpointError, StateDictError, …). */
export class WorkerError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
    this.name = kind;
  }
}

/** Promise-based calls to the inference worker (one reply per request, matched by id). */
export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly worker: Worker;

  constructor(onCrash: (message: string) => void) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'hrnet-inference' });
    this.worker.onmessage = (e: MessageEvent<ResponseMessage>) => {
      const m = e.data;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new WorkerError(m.error.name, m.error.message));
    };
    this.worker.onerror = (e) => {
      onCrash(`inference worker failed: ${e.message || 'could not start (see the console)'}`);
      for (const p of this.pending.values()) p.reject(new Error(e.message || 'worker failed'));
      this.pending.clear();
    };
  }

  call<T extends RequestType>(type: T, payload: Requests[T], transfer: Transferable[] = []): Promise<Responses[T]> {
    const id = this.nextId++;
    return new Promise<Responses[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, type, payload }, transfer);
    });
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }
}
