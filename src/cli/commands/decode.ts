// `bulkhead decode FILE...`: captures into Operations and stream events.

import { decodeFiles } from '../../app/decode.js';
import { formatSummary } from '../format/decode.js';
import { common, type Common } from '../io.js';
import type { Register } from '../register.js';

export const registerDecode: Register = (root, io, act) => {
  common(root.command('decode'))
    .description('decode pcap/pcapng captures into Operations and stream events (JSON lines, tagged by record)')
    .argument('<file...>', 'capture files')
    .option('--summary', 'counts per protocol, kind and code instead of records')
    .action(
      act(async (files: string[], o: Common & { summary?: boolean }) => {
        const { summary: s, failed } = await decodeFiles(files, { summary: o.summary === true, json: o.json === true, write: io.out });
        if (o.summary) io.out(o.json ? JSON.stringify(s) : formatSummary(s));
        return failed ? 2 : 0;
      }),
    );
};
