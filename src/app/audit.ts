// The audit log's export for a SIEM, shared by `bulkhead audit --format` and the console's download.

export { siemLines } from '../gateway/audit-lines.js';
