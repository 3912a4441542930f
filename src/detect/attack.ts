// The MITRE ATT&CK for ICS techniques the detectors name, where one fits what they saw.

export interface Technique {
  id: string;
  name: string;
}

const t = (id: string, name: string): Technique => ({ id, name });

export const ATTACK = {
  remoteSystemDiscovery: t('T0846', 'Remote System Discovery'),
  remoteSystemInformationDiscovery: t('T0888', 'Remote System Information Discovery'),
  pointAndTagIdentification: t('T0861', 'Point & Tag Identification'),
  modifyParameter: t('T0836', 'Modify Parameter'),
  unauthorizedCommandMessage: t('T0855', 'Unauthorized Command Message'),
  programDownload: t('T0843', 'Program Download'),
  adversaryInTheMiddle: t('T0830', 'Adversary-in-the-Middle'),
  rogueMaster: t('T0848', 'Rogue Master'),
  denialOfService: t('T0814', 'Denial of Service'),
} as const;

/** The technique an operation of this kind stands for when it is new on a conversation. */
export function techniqueOfKind(kind: string): Technique | undefined {
  switch (kind) {
    case 'write':
      return ATTACK.modifyParameter;
    case 'control':
      return ATTACK.unauthorizedCommandMessage;
    case 'program':
      return ATTACK.programDownload;
    case 'diagnostic':
    case 'discovery':
      return ATTACK.remoteSystemInformationDiscovery;
    case 'read':
      return ATTACK.pointAndTagIdentification;
    default:
      return undefined;
  }
}
