// Reading an identity slot's fields for the plant's words: a slot comes back from the store as
// JSON, so each field a sentence uses is checked for what it is.

/** The field's text; undefined when it is absent, empty or not a string. */
export function fieldText(fields: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = fields[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
