// BACnet code tables (ANSI/ASHRAE 135 and Annex J), with the kind each service maps to.

import type { OperationKind } from '../operation.js';

type Entry = readonly [name: string, kind: OperationKind];

export const BVLC_FUNCTIONS: ReadonlyMap<number, Entry> = new Map<number, Entry>([
  [0, ['BVLC-Result', 'session']],
  [1, ['Write-Broadcast-Distribution-Table', 'write']],
  [2, ['Read-Broadcast-Distribution-Table', 'read']],
  [3, ['Read-Broadcast-Distribution-Table-Ack', 'read']],
  [4, ['Forwarded-NPDU', 'unknown']],
  [5, ['Register-Foreign-Device', 'write']],
  [6, ['Read-Foreign-Device-Table', 'read']],
  [7, ['Read-Foreign-Device-Table-Ack', 'read']],
  [8, ['Delete-Foreign-Device-Table-Entry', 'write']],
  [9, ['Distribute-Broadcast-To-Network', 'unknown']],
  [10, ['Original-Unicast-NPDU', 'unknown']],
  [11, ['Original-Broadcast-NPDU', 'unknown']],
  [12, ['Secure-BVLL', 'session']],
]);

export const NETWORK_MESSAGES: ReadonlyMap<number, Entry> = new Map<number, Entry>([
  [0, ['Who-Is-Router-To-Network', 'discovery']],
  [1, ['I-Am-Router-To-Network', 'discovery']],
  [2, ['I-Could-Be-Router-To-Network', 'discovery']],
  [3, ['Reject-Message-To-Network', 'diagnostic']],
  [4, ['Router-Busy-To-Network', 'control']],
  [5, ['Router-Available-To-Network', 'control']],
  [6, ['Initialize-Routing-Table', 'write']],
  [7, ['Initialize-Routing-Table-Ack', 'read']],
  [8, ['Establish-Connection-To-Network', 'control']],
  [9, ['Disconnect-Connection-To-Network', 'control']],
  [10, ['Challenge-Request', 'session']],
  [11, ['Security-Payload', 'session']],
  [12, ['Security-Response', 'session']],
  [13, ['Request-Key-Update', 'session']],
  [14, ['Update-Key-Set', 'write']],
  [15, ['Update-Distribution-Key', 'write']],
  [16, ['Request-Master-Key', 'session']],
  [17, ['Set-Master-Key', 'write']],
  [18, ['What-Is-Network-Number', 'discovery']],
  [19, ['Network-Number-Is', 'discovery']],
]);

export const PDU_TYPES = [
  'confirmed-request',
  'unconfirmed-request',
  'simple-ack',
  'complex-ack',
  'segment-ack',
  'error',
  'reject',
  'abort',
] as const;

/** subCode of records that carry no APDU: a BVLC-only message or a network-layer message. */
export const SUBCODE_BVLC = 16;
export const SUBCODE_NETWORK = 17;

export const CONFIRMED_SERVICES: ReadonlyMap<number, Entry> = new Map<number, Entry>([
  [0, ['acknowledgeAlarm', 'control']],
  [1, ['confirmedCOVNotification', 'read']],
  [2, ['confirmedEventNotification', 'read']],
  [3, ['getAlarmSummary', 'read']],
  [4, ['getEnrollmentSummary', 'read']],
  [5, ['subscribeCOV', 'read']],
  [6, ['atomicReadFile', 'read']],
  [7, ['atomicWriteFile', 'program']],
  [8, ['addListElement', 'write']],
  [9, ['removeListElement', 'write']],
  [10, ['createObject', 'program']],
  [11, ['deleteObject', 'program']],
  [12, ['readProperty', 'read']],
  [13, ['readPropertyConditional', 'read']],
  [14, ['readPropertyMultiple', 'read']],
  [15, ['writeProperty', 'write']],
  [16, ['writePropertyMultiple', 'write']],
  [17, ['deviceCommunicationControl', 'control']],
  [18, ['confirmedPrivateTransfer', 'program']],
  [19, ['confirmedTextMessage', 'diagnostic']],
  [20, ['reinitializeDevice', 'control']],
  [21, ['vtOpen', 'session']],
  [22, ['vtClose', 'session']],
  [23, ['vtData', 'control']],
  [24, ['authenticate', 'session']],
  [25, ['requestKey', 'session']],
  [26, ['readRange', 'read']],
  [27, ['lifeSafetyOperation', 'control']],
  [28, ['subscribeCOVProperty', 'read']],
  [29, ['getEventInformation', 'read']],
  [30, ['subscribeCOVPropertyMultiple', 'read']],
  [31, ['confirmedCOVNotificationMultiple', 'read']],
  [32, ['confirmedAuditNotification', 'read']],
  [33, ['auditLogQuery', 'read']],
]);

export const UNCONFIRMED_SERVICES: ReadonlyMap<number, Entry> = new Map<number, Entry>([
  [0, ['i-Am', 'discovery']],
  [1, ['i-Have', 'discovery']],
  [2, ['unconfirmedCOVNotification', 'read']],
  [3, ['unconfirmedEventNotification', 'read']],
  [4, ['unconfirmedPrivateTransfer', 'program']],
  [5, ['unconfirmedTextMessage', 'diagnostic']],
  [6, ['timeSynchronization', 'control']],
  [7, ['who-Has', 'discovery']],
  [8, ['who-Is', 'discovery']],
  [9, ['utcTimeSynchronization', 'control']],
  [10, ['writeGroup', 'write']],
  [11, ['unconfirmedCOVNotificationMultiple', 'read']],
  [12, ['unconfirmedAuditNotification', 'read']],
  [13, ['who-Am-I', 'discovery']],
  [14, ['you-Are', 'control']],
]);

const OBJECT_TYPE_NAMES = [
  'analog-input', 'analog-output', 'analog-value', 'binary-input', 'binary-output', 'binary-value',
  'calendar', 'command', 'device', 'event-enrollment', 'file', 'group', 'loop', 'multi-state-input',
  'multi-state-output', 'notification-class', 'program', 'schedule', 'averaging', 'multi-state-value',
  'trend-log', 'life-safety-point', 'life-safety-zone', 'accumulator', 'pulse-converter', 'event-log',
  'global-group', 'trend-log-multiple', 'load-control', 'structured-view', 'access-door', 'timer',
  'access-credential', 'access-point', 'access-rights', 'access-user', 'access-zone',
  'credential-data-input', 'network-security', 'bitstring-value', 'characterstring-value',
  'date-pattern-value', 'date-value', 'datetime-pattern-value', 'datetime-value', 'integer-value',
  'large-analog-value', 'octetstring-value', 'positive-integer-value', 'time-pattern-value',
  'time-value', 'notification-forwarder', 'alert-enrollment', 'channel', 'lighting-output',
  'binary-lighting-output', 'network-port', 'elevator-group', 'escalator', 'lift', 'staging',
  'audit-log', 'audit-reporter', 'color', 'color-temperature',
];

/**
 * Object types whose values are process values (analog, binary and multi-state inputs, outputs
 * and values; integer, large-analog and positive-integer values): what is learned and judged.
 */
export const PROCESS_OBJECT_TYPES: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5, 13, 14, 19, 45, 46, 48]);

/** The Device object (object type 8): the device itself. */
export const DEVICE_OBJECT = 8;

/**
 * Device object properties in which a device tells what it is (CharacterStrings), by the name
 * of the fact each gives the inventory: what advisories are matched against. vendor-name is
 * the device's own wording, beside the name its I-Am's vendor id has in ASHRAE's list.
 */
export const DEVICE_IDENTITY_PROPERTIES: ReadonlyMap<number, string> = new Map([
  [70, 'modelName'],
  [44, 'firmwareRevision'],
  [12, 'applicationSoftwareVersion'],
  [121, 'vendorNameProperty'],
]);

/** A service choice's name and kind, confirmed or not; unknown ones named by their number. */
export function serviceEntry(confirmed: boolean, choice: number): readonly [string, OperationKind] {
  const entry = (confirmed ? CONFIRMED_SERVICES : UNCONFIRMED_SERVICES).get(choice);
  return entry ?? [choice >= 64 ? `proprietary-service-${choice}` : `unknown-service-${choice}`, 'unknown'];
}

export function objectTypeName(t: number): string {
  return OBJECT_TYPE_NAMES[t] ?? (t >= 128 ? `proprietary-${t}` : `object-type-${t}`);
}

const PROPERTY_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'acked-transitions'], [1, 'ack-required'], [2, 'action'], [3, 'action-text'], [4, 'active-text'],
  [5, 'active-vt-sessions'], [6, 'alarm-value'], [7, 'alarm-values'], [8, 'all'], [9, 'all-writes-successful'],
  [10, 'apdu-segment-timeout'], [11, 'apdu-timeout'], [12, 'application-software-version'], [13, 'archive'],
  [14, 'bias'], [15, 'change-of-state-count'], [16, 'change-of-state-time'], [17, 'notification-class'],
  [19, 'controlled-variable-reference'], [20, 'controlled-variable-units'], [21, 'controlled-variable-value'],
  [22, 'cov-increment'], [23, 'date-list'], [24, 'daylight-savings-status'], [25, 'deadband'],
  [26, 'derivative-constant'], [27, 'derivative-constant-units'], [28, 'description'], [29, 'description-of-halt'],
  [30, 'device-address-binding'], [31, 'device-type'], [32, 'effective-period'], [33, 'elapsed-active-time'],
  [34, 'error-limit'], [35, 'event-enable'], [36, 'event-state'], [37, 'event-type'], [38, 'exception-schedule'],
  [39, 'fault-values'], [40, 'feedback-value'], [41, 'file-access-method'], [42, 'file-size'], [43, 'file-type'],
  [44, 'firmware-revision'], [45, 'high-limit'], [46, 'inactive-text'], [47, 'in-process'], [48, 'instance-of'],
  [49, 'integral-constant'], [50, 'integral-constant-units'], [52, 'limit-enable'], [53, 'list-of-group-members'],
  [54, 'list-of-object-property-references'], [56, 'local-date'], [57, 'local-time'], [58, 'location'],
  [59, 'low-limit'], [60, 'manipulated-variable-reference'], [61, 'maximum-output'], [62, 'max-apdu-length-accepted'],
  [63, 'max-info-frames'], [64, 'max-master'], [65, 'max-pres-value'], [66, 'minimum-off-time'],
  [67, 'minimum-on-time'], [68, 'minimum-output'], [69, 'min-pres-value'], [70, 'model-name'],
  [71, 'modification-date'], [72, 'notify-type'], [73, 'number-of-apdu-retries'], [74, 'number-of-states'],
  [75, 'object-identifier'], [76, 'object-list'], [77, 'object-name'], [78, 'object-property-reference'],
  [79, 'object-type'], [80, 'optional'], [81, 'out-of-service'], [82, 'output-units'], [83, 'event-parameters'],
  [84, 'polarity'], [85, 'present-value'], [86, 'priority'], [87, 'priority-array'], [88, 'priority-for-writing'],
  [89, 'process-identifier'], [90, 'program-change'], [91, 'program-location'], [92, 'program-state'],
  [93, 'proportional-constant'], [94, 'proportional-constant-units'], [96, 'protocol-object-types-supported'],
  [97, 'protocol-services-supported'], [98, 'protocol-version'], [99, 'read-only'], [100, 'reason-for-halt'],
  [102, 'recipient-list'], [103, 'reliability'], [104, 'relinquish-default'], [105, 'required'], [106, 'resolution'],
  [107, 'segmentation-supported'], [108, 'setpoint'], [109, 'setpoint-reference'], [110, 'state-text'],
  [111, 'status-flags'], [112, 'system-status'], [113, 'time-delay'], [114, 'time-of-active-time-reset'],
  [115, 'time-of-state-count-reset'], [116, 'time-synchronization-recipients'], [117, 'units'],
  [118, 'update-interval'], [119, 'utc-offset'], [120, 'vendor-identifier'], [121, 'vendor-name'],
  [122, 'vt-classes-supported'], [123, 'weekly-schedule'], [124, 'attempted-samples'], [125, 'average-value'],
  [126, 'buffer-size'], [127, 'client-cov-increment'], [128, 'cov-resubscription-interval'],
  [130, 'event-time-stamps'], [131, 'log-buffer'], [132, 'log-device-object-property'], [133, 'enable'],
  [134, 'log-interval'], [135, 'maximum-value'], [136, 'minimum-value'], [137, 'notification-threshold'],
  [139, 'protocol-revision'], [140, 'records-since-notification'], [141, 'record-count'], [142, 'start-time'],
  [143, 'stop-time'], [144, 'stop-when-full'], [145, 'total-record-count'], [146, 'valid-samples'],
  [147, 'window-interval'], [148, 'window-samples'], [149, 'maximum-value-timestamp'],
  [150, 'minimum-value-timestamp'], [151, 'variance-value'], [152, 'active-cov-subscriptions'],
  [153, 'backup-failure-timeout'], [154, 'configuration-files'], [155, 'database-revision'],
  [156, 'direct-reading'], [157, 'last-restore-time'], [158, 'maintenance-required'], [159, 'member-of'],
  [160, 'mode'], [161, 'operation-expected'], [162, 'setting'], [163, 'silenced'], [164, 'tracking-value'],
  [165, 'zone-members'], [166, 'life-safety-alarm-values'], [167, 'max-segments-accepted'],
  [168, 'profile-name'], [169, 'auto-slave-discovery'], [170, 'manual-slave-address-binding'],
  [171, 'slave-address-binding'], [172, 'slave-proxy-enable'], [173, 'last-notify-record'],
  [174, 'schedule-default'], [175, 'accepted-modes'], [176, 'adjust-value'], [177, 'count'],
  [178, 'count-before-change'], [179, 'count-change-time'], [180, 'cov-period'], [181, 'input-reference'],
  [182, 'limit-monitoring-interval'], [183, 'logging-object'], [184, 'logging-record'], [185, 'prescale'],
  [186, 'pulse-rate'], [187, 'scale'], [188, 'scale-factor'], [189, 'update-time'], [190, 'value-before-change'],
  [191, 'value-set'], [192, 'value-change-time'], [193, 'align-intervals'], [195, 'interval-offset'],
  [196, 'last-restart-reason'], [197, 'logging-type'], [202, 'restart-notification-recipients'],
  [203, 'time-of-device-restart'], [204, 'time-synchronization-interval'], [205, 'trigger'],
  [206, 'utc-time-synchronization-recipients'], [207, 'node-subtype'], [208, 'node-type'],
  [209, 'structured-object-list'], [210, 'subordinate-annotations'], [211, 'subordinate-list'],
  [212, 'actual-shed-level'], [213, 'duty-window'], [214, 'expected-shed-level'], [215, 'full-duty-baseline'],
  [218, 'requested-shed-level'], [219, 'shed-duration'], [220, 'shed-level-descriptions'], [221, 'shed-levels'],
  [222, 'state-description'], [226, 'door-alarm-state'], [231, 'door-status'], [235, 'lock-status'],
  [244, 'event-detection-enable'], [245, 'event-algorithm-inhibit'], [290, 'property-list'],
  [371, 'property-list-ext'], [385, 'bacnet-ip-mode'], [400, 'ip-address'], [408, 'mac-address'],
  [425, 'network-number'], [427, 'network-type'], [430, 'routing-table'],
]);

export function propertyName(p: number): string {
  return PROPERTY_NAMES.get(p) ?? (p >= 512 ? `proprietary-property-${p}` : `property-${p}`);
}

export const ERROR_CLASSES = ['device', 'object', 'property', 'resources', 'security', 'services', 'vt', 'communication'];

export const ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [0, 'other'], [2, 'configuration-in-progress'], [3, 'device-busy'], [4, 'dynamic-creation-not-supported'],
  [5, 'file-access-denied'], [7, 'inconsistent-parameters'], [8, 'inconsistent-selection-criterion'],
  [9, 'invalid-data-type'], [10, 'invalid-file-access-method'], [11, 'invalid-file-start-position'],
  [13, 'invalid-parameter-data-type'], [14, 'invalid-time-stamp'], [16, 'missing-required-parameter'],
  [17, 'no-objects-of-specified-type'], [18, 'no-space-for-object'], [19, 'no-space-to-add-list-element'],
  [20, 'no-space-to-write-property'], [21, 'no-vt-sessions-available'], [22, 'property-is-not-a-list'],
  [23, 'object-deletion-not-permitted'], [24, 'object-identifier-already-exists'], [25, 'operational-problem'],
  [26, 'password-failure'], [27, 'read-access-denied'], [29, 'service-request-denied'], [30, 'timeout'],
  [31, 'unknown-object'], [32, 'unknown-property'], [34, 'unknown-vt-class'], [35, 'unknown-vt-session'],
  [36, 'unsupported-object-type'], [37, 'value-out-of-range'], [38, 'vt-session-already-closed'],
  [39, 'vt-session-termination-failure'], [40, 'write-access-denied'], [41, 'character-set-not-supported'],
  [42, 'invalid-array-index'], [43, 'cov-subscription-failed'], [44, 'not-cov-property'],
  [45, 'optional-functionality-not-supported'], [46, 'invalid-configuration-data'],
  [47, 'datatype-not-supported'], [48, 'duplicate-name'], [49, 'duplicate-object-id'],
  [50, 'property-is-not-an-array'], [73, 'abort-buffer-overflow'], [74, 'abort-invalid-apdu-in-this-state'],
  [83, 'invalid-tag'], [123, 'unknown-device'],
]);

export const REJECT_REASONS = [
  'other', 'buffer-overflow', 'inconsistent-parameters', 'invalid-parameter-data-type', 'invalid-tag',
  'missing-required-parameter', 'parameter-out-of-range', 'too-many-arguments', 'undefined-enumeration',
  'unrecognized-service',
];

export const ABORT_REASONS = [
  'other', 'buffer-overflow', 'invalid-apdu-in-this-state', 'preempted-by-higher-priority-task',
  'segmentation-not-supported', 'security-error', 'insufficient-security', 'window-size-out-of-range',
  'application-exceeded-reply-time', 'out-of-resources', 'tsm-timeout', 'apdu-too-long',
];

export const REINITIALIZE_STATES = [
  'coldstart', 'warmstart', 'start-backup', 'end-backup', 'start-restore', 'end-restore', 'abort-restore',
  'activate-changes',
];

export const DCC_STATES = ['enable', 'disable', 'disable-initiation'];
