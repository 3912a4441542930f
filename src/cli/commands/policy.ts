// `bulkhead derive`, `bulkhead policy ...` and `bulkhead simulate`: policies from the baseline,
// their versions, review and what they would deny.

import { writeFileSync } from 'node:fs';
import { RiskAssessment } from '../../app/risk.js';
import { baselineSince, derive, importPolicy, learnedNames, loadPolicy, simulatePcaps, simulateSince, type SimulationComparison } from '../../app/policy.js';
import { lintInContext } from '../../app/report.js';
import { PolicyReview } from '../../app/review.js';
import { diffPolicies } from '../../policy/diff.js';
import type { SecurityLevel } from '../../policy/model.js';
import { LearnStore } from '../../store/learn-store.js';
import { PolicyStore } from '../../store/policy-store.js';
import { formatComparison, formatFindings, formatProposal, formatSimulation } from '../format/policy.js';
import { formatTable, formatTime } from '../format/table.js';
import { actor, common, group, UsageError, withDb, type Common, type Io } from '../io.js';
import type { Command } from 'commander';
import type { Register } from '../register.js';

type Act = Parameters<Register>[2];

type WithBy = Common & { by?: string; out?: string };

/** A version number given as an argument. */
function version(command: string, v: string | undefined): number {
  if (!v || !/^\d+$/.test(v)) throw new UsageError(`bulkhead ${command}: name the version number`);
  return Number(v);
}

const registerDerive: Register = (root, io, act) => {
  common(root.command('derive'))
    .description('derive a zone-and-conduit policy from the baseline (stored as a draft version)')
    .option('--sl <n>', 'one target security level (0-4) for every zone instead of the default by Purdue level')
    .option('--name <name>', "the policy's name")
    .option('--out <file>', 'also write the YAML document to FILE')
    .option('--by <name>', 'who derives it (default: the login name)')
    .option('--risk', 'give a device whose known vulnerabilities need a higher SL-T than its zone a zone of its own at that level (bulkhead risk)')
    .action(
      act((o: WithBy & { sl?: string; name?: string; risk?: boolean }) => {
        if (o.sl !== undefined && !/^[0-4]$/.test(o.sl)) throw new UsageError(`bulkhead derive: --sl must be 0, 1, 2, 3 or 4, got '${o.sl}'`);
        return withDb(o.db, (db) => {
          const risk = o.risk ? new RiskAssessment(db).derivationNeeds() : undefined;
          const r = derive(new LearnStore(db), new PolicyStore(db), { ...(o.sl !== undefined ? { securityLevel: Number(o.sl) as SecurityLevel } : {}), ...(o.name ? { name: o.name } : {}), ...(risk ? { risk } : {}) }, actor(o.by));
          if (o.out) writeFileSync(o.out, r.text);
          if (o.json) io.out(JSON.stringify({ version: r.version, policy: r.policy, findings: r.findings }));
          else {
            const rules = r.policy.conduits.reduce((n, c) => n + c.rules.length, 0);
            io.out(`policy version ${r.version} (draft): ${r.policy.zones.length} zones, ${r.policy.conduits.length} conduits, ${rules} rules${o.out ? `; written to ${o.out}` : ''}`);
            io.out(formatTable(['zone', 'SL-T', 'Purdue', 'members'], r.policy.zones.map((z) => [`${z.id} (${z.name})`, String(z.securityLevel), String(z.purdueLevel ?? '-'), String(z.members.length)])));
            io.out('\nlint:');
            io.out(formatFindings(r.findings));
          }
          return 0;
        });
      }),
    );
};

/** `bulkhead policy NAME`, with the options every command has. */
const sub = (policy: Command, name: string, description: string) => common(policy.command(name)).description(description);

/** Versions in and out: list, show, export, import. */
const registerVersions = (policy: Command, io: Io, act: Act) => {
  sub(policy, 'list', 'stored policy versions').action(
    act((o: Common) =>
      withDb(o.db, (db) => {
        const list = new PolicyStore(db).list();
        if (o.json) io.out(JSON.stringify(list));
        else io.out(list.length ? formatTable(['version', 'status', 'name', 'source', 'created', 'by', 'approved by'], list.map((v) => [String(v.version), v.status, v.name, v.source, formatTime(v.createdAt), v.createdBy, [v.approvedBy, v.secondApprover].filter(Boolean).join(' + ') || '-'])) : 'no policy stored yet');
        return 0;
      }),
    ),
  );
  for (const name of ['show', 'export']) {
    sub(policy, name, name === 'show' ? "a version's document" : "a version's document into a file")
      .argument('[version]', 'a number, latest or active (default latest)')
      .option('--out <file>', 'write it to FILE')
      .action(
        act((v: string | undefined, o: WithBy) =>
          withDb(o.db, (db) => {
            const p = loadPolicy(new PolicyStore(db), v ?? 'latest');
            const text = o.json ? JSON.stringify(p.policy, null, 2) : p.text;
            if (o.out) writeFileSync(o.out, text);
            else io.out(text.trimEnd());
            return 0;
          }),
        ),
      );
  }
  sub(policy, 'import', 'validate a YAML/JSON policy and store it as a draft')
    .argument('<file>', 'the policy document')
    .option('--by <name>', 'who imports it (default: the login name)')
    .action(
      act((file: string, o: WithBy) =>
        withDb(o.db, (db) => {
          const r = importPolicy(new PolicyStore(db), file, actor(o.by));
          io.out(o.json ? JSON.stringify({ version: r.version }) : `stored as policy version ${r.version} (draft)`);
          return 0;
        }),
      ),
    );
};

/** Review: lint, diff, approve, retire. */
const registerReview = (policy: Command, io: Io, act: Act) => {
  sub(policy, 'lint', 'findings with severity and the standard clause; exit 3 on an error')
    .argument('[policy]', 'a version, latest, active, or a file (default latest)')
    .action(
      act((ref: string | undefined, o: Common) =>
        withDb(o.db, (db) => {
          const findings = lintInContext(new LearnStore(db), loadPolicy(new PolicyStore(db), ref ?? 'latest').policy);
          io.out(o.json ? JSON.stringify(findings) : formatFindings(findings));
          return findings.some((f) => f.severity === 'error') ? 3 : 0;
        }),
      ),
    );
  sub(policy, 'diff', 'what changes from A to B (versions or files)')
    .argument('<a>')
    .argument('<b>')
    .action(
      act((a: string, b: string, o: Common) =>
        withDb(o.db, (db) => {
          const policies = new PolicyStore(db);
          const d = diffPolicies(loadPolicy(policies, a).policy, loadPolicy(policies, b).policy);
          io.out(o.json ? JSON.stringify(d) : d.changes.length ? d.changes.join('\n') : 'no differences');
          return 0;
        }),
      ),
    );
  sub(policy, 'approve', 'approve a version (a second approval by another person is recorded too)')
    .argument('<version>')
    .option('--by <name>', 'who approves (required)')
    .action(
      act((v: string, o: WithBy) => {
        const n = version('policy approve', v);
        if (!o.by) throw new UsageError('bulkhead policy approve: say who approves with --by NAME');
        return withDb(o.db, (db) => {
          const r = new PolicyStore(db).approve(n, o.by!);
          io.out(o.json ? JSON.stringify({ version: r.version, status: r.status, approvedBy: r.approvedBy, secondApprover: r.secondApprover }) : `policy version ${r.version} ${r.status}: approved by ${r.approvedBy}${r.secondApprover ? ` and ${r.secondApprover}` : ''}`);
          return 0;
        });
      }),
    );
  sub(policy, 'retire', 'take a version out of use for good')
    .argument('<version>')
    .option('--by <name>', 'who retires it (required)')
    .action(
      act((v: string, o: WithBy) => {
        const n = version('policy retire', v);
        if (!o.by) throw new UsageError('bulkhead policy retire: say who retires it with --by NAME');
        return withDb(o.db, (db) => {
          new PolicyStore(db).retire(n, o.by!);
          io.out(`policy version ${n} retired`);
          return 0;
        });
      }),
    );
};

/** A draft from what learn mode would have denied. */
const registerPropose = (policy: Command, io: Io, act: Act) => {
  sub(policy, 'propose', 'a draft that lets through what learn mode would have denied since T (default 7d): additions with their evidence, refusals, the changes, and how much it would let through')
    .option('--since <t>', 'would-deny events since T: 7d, 24h, 90m or a date', '7d')
    .option('--by <name>', 'who proposes it (default: the login name)')
    .action(
      act((o: WithBy & { since: string }) =>
        withDb(o.db, (db) => {
          const p = new PolicyReview(db).propose({ since: o.since, by: actor(o.by) });
          io.out(o.json ? JSON.stringify(p) : formatProposal(p));
          return 0;
        }),
      ),
    );
};

const registerSimulate: Register = (root, io, act) => {
  common(root.command('simulate'))
    .description('what a policy would deny of captures (--pcap FILE...) or of the baseline since T (--since 7d, 24h, or a date); exit 3 when it would deny anything')
    .argument('[files...]', 'capture files, with --pcap')
    .option('--policy <p>', 'the policy: a version, latest, active, or a file (required)')
    .option('--pcap', 'simulate the capture files named')
    .option('--since <t>', 'simulate the baseline since T')
    .option('--against <q>', 'compare with policy Q: what applying P instead of Q changes')
    .action(
      act(async (files: string[], o: Common & { policy?: string; pcap?: boolean; since?: string; against?: string }) => {
        if (!o.policy) throw new UsageError('bulkhead simulate: name the policy with --policy (a version, latest, active, or a file)');
        if (Boolean(o.pcap) === (o.since !== undefined)) throw new UsageError('bulkhead simulate: give exactly one of --pcap FILE... or --since T');
        if (o.pcap && files.length === 0) throw new UsageError('bulkhead simulate --pcap: name at least one capture');
        return withDb(o.db, async (db) => {
          const policies = new PolicyStore(db);
          const candidate = loadPolicy(policies, o.policy!);
          const current = o.against ? loadPolicy(policies, o.against) : undefined;
          let result: SimulationComparison;
          if (o.pcap) {
            const reports = await simulatePcaps(current ? [candidate.policy, current.policy] : [candidate.policy], files, { isolated: policies.isolations().flatMap((i) => i.addresses), names: learnedNames(new LearnStore(db)) });
            result = { candidate: reports[0]!, ...(reports[1] ? { current: reports[1] } : {}) };
          } else {
            const learn = new LearnStore(db);
            const since = baselineSince(learn, o.since!);
            if (since === undefined) throw new UsageError(`bulkhead simulate: --since must be like 7d, 24h, 90m or a date, got '${o.since}'`);
            result = simulateSince(learn, policies, candidate.policy, current?.policy, since);
          }
          if (o.json) io.out(JSON.stringify(current ? { candidate: result.candidate, current: result.current } : result.candidate));
          else {
            io.out(formatSimulation(result.candidate, `policy ${candidate.label}`));
            if (result.current) io.out('\n' + formatComparison(result.current, result.candidate));
          }
          return result.candidate.denied > 0 ? 3 : 0;
        });
      }),
    );
};

export const registerPolicy: Register = (root, io, act) => {
  registerDerive(root, io, act);
  const policy = group(root.command('policy').description('stored policy versions: list, show, export, import, lint, diff, approve, retire, propose'));
  registerVersions(policy, io, act);
  registerReview(policy, io, act);
  registerPropose(policy, io, act);
  registerSimulate(root, io, act);
};
