/** Topic name rules, as Kafka's Topic.validate: 1..249 chars of [a-zA-Z0-9._-], not "." or "..". */

export const topicNameLengthMax = 249;
const legal = /^[a-zA-Z0-9._-]+$/;

/** Returns why `name` is not a valid topic name, or null when it is. */
export function topicNameProblem(name: string | null | undefined): string | null {
  if (name === null || name === undefined || name.length === 0) return 'topic name is empty';
  if (name === '.' || name === '..') return `topic name cannot be "${name}"`;
  if (name.length > topicNameLengthMax) {
    return `topic name is ${name.length} characters long; the limit is ${topicNameLengthMax}`;
  }
  if (!legal.test(name)) {
    return `topic name "${name}" is illegal: use only ASCII letters, digits, ".", "_" and "-"`;
  }
  return null;
}

export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state';
}
