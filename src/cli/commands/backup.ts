// `bulkhead backup` and `bulkhead restore`: a consistent, checked snapshot of the store.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { backup, checkBackup, restore } from '../../app/backup.js';
import { configDb, loadConfig, readConfig } from '../../config/appliance-config.js';
import { actor, common, dbPath, UsageError, withDb, type Common } from '../io.js';
import type { Register } from '../register.js';

type Options = Common & { out?: string; by?: string; config?: string; check?: boolean };

export const registerBackup: Register = (root, io, act) => {
  common(root.command('backup'))
    .description('a consistent snapshot of the store (policies, audit log, accounts, baseline) and FILE.sha256')
    .option('--out <file>', 'the new backup file (required)')
    .option('--by <name>', 'who takes it (default: the login name)')
    .option('--config <file>', "carry the appliance's configuration file in it too (and back up the database it names)")
    .action(
      act((o: Options) => {
        if (!o.out) throw new UsageError('bulkhead backup: name the new backup file with --out FILE');
        // The configuration goes in as it is on disk, once its schema has accepted it.
        const read = o.config ? readConfig(o.config) : undefined;
        const configuration = read ? { file: resolve(o.config!), text: read.text } : undefined;
        return withDb(o.db ?? (read ? configDb(read.config) : undefined), async (db) => {
          const r = await backup(db, o.out!, actor(o.by), configuration);
          io.out(o.json ? JSON.stringify(r) : `backup written: ${r.file} (${r.bytes} bytes, ${r.policies} policy versions, ${r.auditEntries} audit entries${r.configuration ? `, configuration ${r.configuration}` : ''}), SHA-256 ${r.sha256} in ${r.file}.sha256`);
          return 0;
        });
      }),
    );
  common(root.command('restore'))
    .description('replace the database with a checked backup (stop the gateway first; the old one is kept)')
    .argument('<file>', 'the backup')
    .option('--by <name>', 'who restores it (required)')
    .option('--check', 'only check it: checksum, integrity, schema, audit chain, the configuration it carries')
    .option('--config <file>', 'also write the configuration it carries to FILE (the old one is kept), into the database FILE names')
    .action(
      act((file: string, o: Options) => {
        if (o.check) {
          const r = checkBackup(file);
          io.out(o.json ? JSON.stringify({ ok: true, policies: r.policies, auditEntries: r.auditEntries, configuration: r.configuration?.file ?? null }) : `backup ${file} is sound: checksum, integrity and audit chain verified (${r.policies} policy versions, ${r.auditEntries} audit entries)${r.configuration ? `; it carries the configuration ${r.configuration.file}, valid` : '; it carries no configuration'}`);
          return 0;
        }
        if (!o.by) throw new UsageError('bulkhead restore: say who restores with --by NAME');
        // With --config, the database is the one the configuration there names (the restored one must agree).
        const target = o.db ?? (o.config && existsSync(o.config) ? configDb(loadConfig(o.config)) : dbPath(undefined));
        const r = restore(file, target, o.by, o.config);
        io.out(
          o.json
            ? JSON.stringify(r)
            : `restored ${file} into ${target} (${r.policies} policy versions, ${r.auditEntries} audit entries)${r.previous ? `; the previous database is kept as ${r.previous}` : ''}${r.configuration ? `; configuration written to ${r.configuration.file}${r.configuration.previous ? ` (the previous one kept as ${r.configuration.previous})` : ''}: run bulkhead config render and restart the services` : ''}`,
        );
        return 0;
      }),
    );
};
