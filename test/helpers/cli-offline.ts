/**
 * The admin CLI run in this process with no stack behind it: its output
 * captured, and a stack description whose endpoints are ports nothing
 * listens on, so a command that gets past its checks fails to connect
 * (exit 1) and one refused before the stack is touched exits as it would.
 */
import type { Io } from '../../cli/io.js';

/** An Io that records what a command writes (not a terminal; every prompt answered no). */
export function capturedIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    interactive: false,
    confirm: async () => false,
  };
  return { io, out, err, text: () => [...out, ...err].join('\n') };
}

/** CLEARANCE_STACK on ports nothing listens on, and one SDK attempt, so a connection fails at once. */
export const OFFLINE_STACK_ENV = {
  AWS_MAX_ATTEMPTS: '1',
  CLEARANCE_STACK: JSON.stringify({
    region: 'us-east-1',
    endpoints: { dynamodb: 'http://127.0.0.1:9', sns: 'http://127.0.0.1:9', sqs: 'http://127.0.0.1:9' },
    tables: { licenses: 'L', shipments: 'S', inventory: 'I', history: 'H' },
    topics: {
      customer: 'arn:aws:sns:us-east-1:000000000000:C',
      logistics: 'arn:aws:sns:us-east-1:000000000000:Lg',
      ops: 'arn:aws:sns:us-east-1:000000000000:O',
    },
    dlqs: {
      licenseEvents: 'http://127.0.0.1:9/q/l',
      shipmentEvents: 'http://127.0.0.1:9/q/s',
      shipmentHistory: 'http://127.0.0.1:9/q/h',
    },
  }),
} as const;
