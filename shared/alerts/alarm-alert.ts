import type { Alert } from '#shared/domain/ports.ts';
import * as z from '#shared/domain/zod.ts';

/** The parts of a CloudWatch alarm notification (the SNS message body) that an alert shows. */
const alarmSchema = z.object({
  AlarmName: z.string(),
  AlarmDescription: z.nullish(z.string()),
  NewStateValue: z.string(),
  NewStateReason: z.string(),
  StateChangeTime: z.optional(z.string()),
  Region: z.optional(z.string()),
});

/** Turns an SNS message into an alert: a CloudWatch alarm when it is one, else the raw text. */
export function alarmAlert(subject: string | null | undefined, message: string): Alert {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    json = undefined;
  }
  const alarm = alarmSchema.safeParse(json);
  if (!alarm.success)
    return { title: subject || 'Notification', severity: 'warning', description: message.slice(0, 4000) };
  const a = alarm.data;
  return {
    title: `${a.NewStateValue === 'ALARM' ? 'ALARM' : a.NewStateValue}: ${a.AlarmName}`,
    severity: a.NewStateValue === 'ALARM' ? 'error' : 'info',
    description: a.AlarmDescription ?? '',
    fields: [
      { name: 'Reason', value: a.NewStateReason },
      ...(a.StateChangeTime ? [{ name: 'Since', value: a.StateChangeTime }] : []),
      ...(a.Region ? [{ name: 'Region', value: a.Region }] : []),
    ],
  };
}
