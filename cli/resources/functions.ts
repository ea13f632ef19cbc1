/**
 * The stream-consuming functions the CLI knows: each has a DLQ in the stack
 * description and the stack's outputs, and `dlq redrive` invokes it. A leaf
 * module, so that cli/resources.ts and the two parsers it imports share one list.
 */
export const FUNCTION_KEYS = ['licenseEvents', 'shipmentEvents', 'shipmentHistory'] as const;
export type FunctionKey = (typeof FUNCTION_KEYS)[number];
