// The engine's V8 options, in a module of their own: a benchmark that runs the decoder as
// shipped reads them without loading the supervisor (its stores and SQLite: 25 MB resident).

/** The engine runs with the same small heaps as the `bulkhead` command's interpreter line. */
export const ENGINE_NODE_OPTIONS = ['--max-semi-space-size=4', '--max-old-space-size=512'];
