import type { Alert, Alerter, DomainEvent, EventPublisher } from '#shared/domain/ports.ts';
import type { OutgoingMessage, TaskQueue } from '#shared/queue/task-queue.ts';

/** The sending side of the queue, kept in memory: every batch as it was sent. */
export class RecordingQueue implements TaskQueue {
  readonly batches: OutgoingMessage[][] = [];

  /** @param refuses which messages this queue turns down, every time they are sent */
  constructor(private readonly refuses: (message: OutgoingMessage) => boolean = () => false) {}

  async sendBatch(messages: readonly OutgoingMessage[]): Promise<{ failedIds: string[] }> {
    this.batches.push([...messages]);
    return { failedIds: messages.filter(this.refuses).map((m) => m.id) };
  }

  /** Every message sent, in order (a retried one appears twice). */
  get messages(): OutgoingMessage[] {
    return this.batches.flat();
  }
}

/** Domain events as published, in order. */
export class RecordingEvents implements EventPublisher {
  readonly events: DomainEvent[] = [];

  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.events.push(...events);
  }

  ofType<T extends DomainEvent['type']>(type: T): Extract<DomainEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<DomainEvent, { type: T }> => e.type === type);
  }
}

/** Alerts as sent, in order. */
export class RecordingAlerter implements Alerter {
  readonly alerts: Alert[] = [];
  /** Alerts this many first sends are reported undelivered (recorded all the same, as attempts). */
  failNext = 0;

  async send(alert: Alert): Promise<boolean> {
    this.alerts.push(alert);
    if (this.failNext === 0) return true;
    this.failNext--;
    return false;
  }
}
