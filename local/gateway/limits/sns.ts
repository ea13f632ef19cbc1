/** SNS: Publish and PublishBatch (entries, ids, subject, message attributes, sizes). */
import {
  type Check,
  hasDuplicate,
  isBatchEntryId,
  isRecord,
  type LimitViolation,
  MAX_BATCH_ENTRIES,
  records,
  violation,
} from './common.js';
import { binaryLength, messageSize, utf8Length } from './sizes.js';

const MAX_SNS_BYTES = 256 * 1024;
const MAX_ATTRIBUTE_NAME = 256;
const MAX_SUBJECT_CHARS = 99;

export const SNS = 'sns';
export const INVALID_PARAMETER = 'InvalidParameter';
/** The wire code of the SDK's InvalidParameterValueException. */
const PARAMETER_VALUE_INVALID = 'ParameterValueInvalid';
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;
const DATA_TYPE = /^(String|Number|Binary)(\..+)?$/;
/** C0 and C1 control characters (CR and LF among them) and the Unicode line separators. */
function hasControlOrLineBreak(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

function attributeNameProblem(name: string): string | undefined {
  if (name.length > MAX_ATTRIBUTE_NAME)
    return 'Length of message attribute name must be less than 256 bytes.';
  if (name.startsWith('.')) return "Invalid message attribute name starting with character '.' was found.";
  if (name.endsWith('.')) return "Invalid message attribute name ending with character '.' was found.";
  if (!ATTRIBUTE_NAME.test(name)) {
    const bad = [...name].find((c) => !ATTRIBUTE_NAME.test(c)) ?? '';
    const hex = (bad.codePointAt(0) ?? 0).toString(16).toUpperCase();
    return `Invalid non-alphanumeric character '#x${hex}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`;
  }
  if (name.includes('..')) return "Message attribute name can not have successive '.' character.";
  // The docs reserve these prefixes; AWS's wording for this case is not documented.
  if (/^(aws|amazon)\./i.test(name)) {
    return `Invalid message attribute name '${name}': names starting with 'AWS.' or 'Amazon.' are reserved.`;
  }
  return undefined;
}

/** SQS raw delivery carries at most this many message attributes; SNS drops the message otherwise. */
const MAX_RAW_DELIVERY_ATTRIBUTES = 10;

/** The first problem with a message's attributes, as SNS reports it. */
function attributesProblem(attributes: unknown): LimitViolation | undefined {
  if (!isRecord(attributes)) return undefined;
  const count = Object.keys(attributes).length;
  if (count > MAX_RAW_DELIVERY_ATTRIBUTES) {
    return violation(
      SNS,
      PARAMETER_VALUE_INVALID,
      `Number of message attributes [${count}] exceeds the allowed maximum [${MAX_RAW_DELIVERY_ATTRIBUTES}]. ` +
        '(SNS itself accepts this publish, then drops the message for every SQS subscription with raw ' +
        'message delivery, which clearance machine subscriptions use; the local stack refuses it.)',
      'sns.MessageAttributes.count',
    );
  }
  for (const name in attributes) {
    const nameProblem = attributeNameProblem(name);
    if (nameProblem) {
      return violation(SNS, PARAMETER_VALUE_INVALID, nameProblem, 'sns.MessageAttribute.name');
    }
    const attribute = attributes[name];
    const type = isRecord(attribute) && typeof attribute.DataType === 'string' ? attribute.DataType : '';
    if (!DATA_TYPE.test(type)) {
      return violation(
        SNS,
        PARAMETER_VALUE_INVALID,
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
        'sns.MessageAttribute.dataType',
      );
    }
    if (utf8Length(type) > MAX_ATTRIBUTE_NAME) {
      return violation(
        SNS,
        PARAMETER_VALUE_INVALID,
        `The message attribute '${name}' has a type longer than 256 bytes.`,
        'sns.MessageAttribute.dataType',
      );
    }
    if (!isRecord(attribute)) continue;
    const field = type.startsWith('Binary') ? 'Binary' : 'String';
    const value = attribute[`${field}Value`];
    const other = attribute[`${field === 'Binary' ? 'String' : 'Binary'}Value`];
    if (value === undefined && other !== undefined) {
      return violation(
        SNS,
        PARAMETER_VALUE_INVALID,
        `The message attribute '${name}' with type '${type}' must use field '${field}'.`,
        'sns.MessageAttribute.value',
      );
    }
    const empty = field === 'Binary' ? binaryLength(value) === 0 : typeof value !== 'string' || value === '';
    if (empty) {
      return violation(
        SNS,
        PARAMETER_VALUE_INVALID,
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
        'sns.MessageAttribute.value',
      );
    }
  }
  return undefined;
}

/**
 * Subjects must be UTF-8 text with no line breaks or control characters, and
 * less than 100 characters long (the API reference today; older versions
 * asked for ASCII beginning with a letter, number or punctuation mark).
 */
function subjectProblem(subject: unknown): LimitViolation | undefined {
  if (subject === undefined) return undefined;
  const ok =
    typeof subject === 'string' &&
    subject !== '' &&
    !hasControlOrLineBreak(subject) &&
    [...subject].length <= MAX_SUBJECT_CHARS;
  return ok ? undefined : violation(SNS, INVALID_PARAMETER, 'Invalid parameter: Subject', 'sns.Subject');
}

export const publish: Check = (input) =>
  subjectProblem(input.Subject) ??
  attributesProblem(input.MessageAttributes) ??
  (messageSize(input.Message, input.MessageAttributes) > MAX_SNS_BYTES
    ? violation(SNS, INVALID_PARAMETER, 'Invalid parameter: Message too long', 'sns.Publish.messageSize')
    : undefined);

export const publishBatch: Check = (input) => {
  const entries = input.PublishBatchRequestEntries;
  if (!Array.isArray(entries)) return undefined;
  if (entries.length === 0) {
    return violation(
      SNS,
      'EmptyBatchRequest',
      "The batch request doesn't contain any entries.",
      'sns.PublishBatch.emptyBatch',
    );
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    return violation(
      SNS,
      'TooManyEntriesInBatchRequest',
      'The batch request contains more entries than permissible.',
      'sns.PublishBatch.entries',
    );
  }
  const batch = records(entries);
  const ids = batch.map((entry) => entry.Id);
  if (!ids.every(isBatchEntryId)) {
    return violation(
      SNS,
      'InvalidBatchEntryId',
      "The Id of a batch entry in a batch request doesn't abide by the specification.",
      'sns.PublishBatch.entryId',
    );
  }
  if (hasDuplicate(ids)) {
    return violation(
      SNS,
      'BatchEntryIdsNotDistinct',
      'Two or more batch entries in the request have the same Id.',
      'sns.PublishBatch.distinctIds',
    );
  }
  let total = 0;
  for (const entry of batch) {
    const problem = subjectProblem(entry.Subject) ?? attributesProblem(entry.MessageAttributes);
    if (problem) return problem;
    total += messageSize(entry.Message, entry.MessageAttributes);
  }
  if (total > MAX_SNS_BYTES) {
    return violation(
      SNS,
      'BatchRequestTooLong',
      'The length of all the batch messages put together is more than the limit.',
      'sns.PublishBatch.totalSize',
    );
  }
  return undefined;
};
