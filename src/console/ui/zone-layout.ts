// The zone map's layout, by ELK (elkjs; the console serves its bundle itself, so the map works
// offline on the plant network, and loads it on the zone map only: 1.6 MB no other page pays for).
// Purdue levels are partitions from top to bottom (higher levels on top), each zone a compound
// node packing its assets, conduits between zones are edges whose labels ELK places clear of
// every box. A collapsed zone is one box with its count, so a large plant stays legible.

import type { ElkExtendedEdge, ElkLabel, ElkNode, ELK } from 'elkjs/lib/elk-api.js';
import type { ShownPolicy as Policy, Zone } from './policy-types.js';
import { s } from './dom.js';

/** Zones with more members than this start collapsed. */
export const COLLAPSE_OVER = 12;
/** An expanded zone draws at most this many assets, then one "+N more" box. */
export const MAX_SHOWN_MEMBERS = 40;
const ELK_SCRIPT = '/elk.bundled.js';
const PAD = 10;
const LINE = 16;
const ASSET_PAD = 6;

export type ShownConduit = Policy['conduits'][number];

/** What the map draws: boxes and edges at ELK's coordinates, each with its texts. */
export interface ZoneBox { zone: Zone; x: number; y: number; width: number; height: number; header: string[]; inside: ShownConduit[]; assets: ElkNode[]; collapsed: boolean }
export interface ConduitLine { conduit: ShownConduit; points: { x: number; y: number }[]; label: ElkLabel }
export interface ZoneLayout { width: number; height: number; zones: ZoneBox[]; conduits: ConduitLine[] }

let elk: Promise<ELK> | undefined;

/** The ELK bundle, loaded once as a classic script (it defines window.ELK). */
function loadElk(): Promise<ELK> {
  elk ??= new Promise<ELK>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = ELK_SCRIPT;
    script.onload = () => {
      const Elk = (window as unknown as { ELK?: new () => ELK }).ELK;
      if (Elk) resolve(new Elk());
      else reject(new Error(`the layout engine (${ELK_SCRIPT}) loaded but defined no ELK: rebuild the console (npm run build)`));
    };
    script.onerror = () => {
      elk = undefined;
      reject(new Error(`the layout engine (${ELK_SCRIPT}) could not be loaded: rebuild the console (npm run build)`));
    };
    document.head.append(script);
  });
  return elk;
}

/** Text sizes as the map will draw them: measured in a hidden SVG with the map's own styles. */
function measurer(): { size: (text: string, cls?: string) => { width: number; height: number }; done: () => void } {
  const svg = s('svg', { class: 'zonemap', style: 'position:absolute;visibility:hidden;left:-9999px;top:0' });
  document.body.append(svg);
  return {
    size: (text, cls) => {
      const t = s('text', cls ? { class: cls } : {}, text);
      svg.append(t);
      const b = (t as SVGTextElement).getBBox();
      t.remove();
      return { width: Math.ceil(b.width), height: Math.ceil(b.height) };
    },
    done: () => svg.remove(),
  };
}

export const conduitLabel = (c: ShownConduit): string => `${c.name} · ${c.ruleCount} rule${c.ruleCount === 1 ? '' : 's'}`;
export const insideLabel = (c: ShownConduit): string => `inside: ${conduitLabel(c)}`;

function header(z: Zone, collapsed: boolean): string[] {
  const count = `${z.members.length} member${z.members.length === 1 ? '' : 's'}`;
  return [z.name, `SL-T ${z.securityLevel}${z.purdueLevel !== undefined ? ` · Purdue ${z.purdueLevel}` : ''} · ${count}`, collapsed ? `▸ show the ${count}` : '▾ collapse'];
}

function zoneNode(z: Zone, partition: number, collapsed: boolean, inside: ShownConduit[], size: ReturnType<typeof measurer>['size']): ElkNode {
  const lines = [...header(z, collapsed), ...inside.map(insideLabel)];
  const top = PAD + lines.length * LINE + (collapsed ? 0 : PAD / 2);
  const minWidth = Math.max(...lines.map((l, i) => size(l, i === 0 ? 'zone-name' : undefined).width)) + 2 * PAD;
  const shown = collapsed ? [] : z.members.slice(0, MAX_SHOWN_MEMBERS);
  const more = collapsed || z.members.length <= MAX_SHOWN_MEMBERS ? [] : [`+${z.members.length - MAX_SHOWN_MEMBERS} more (select the zone for all)`];
  const children = [...shown, ...more].map((m, i) => {
    const t = size(m, 'asset-name');
    return { id: `${z.id}\u0000${i}`, width: t.width + 2 * ASSET_PAD, height: LINE + 4, labels: [{ text: m }] };
  });
  return {
    id: z.id,
    children,
    layoutOptions: {
      'elk.algorithm': 'box',
      'elk.aspectRatio': '2.5',
      'elk.spacing.nodeNode': '6',
      'elk.padding': `[top=${top},left=${PAD},bottom=${PAD},right=${PAD}]`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      'elk.nodeSize.minimum': `(${minWidth}, ${top + PAD})`,
      'elk.partitioning.partition': String(partition),
    },
  };
}

/** Lays the policy out; `collapsed` names the zones drawn as one box with their count. */
export async function layoutZones(policy: Policy, collapsed: ReadonlySet<string>): Promise<ZoneLayout> {
  const engine = await loadElk();
  const m = measurer();
  try {
    // Higher Purdue levels on top; zones without a level at the bottom.
    const levels = [...new Set(policy.zones.map((z) => z.purdueLevel ?? -1))].sort((a, b) => b - a);
    const level = (id: string) => policy.zones.find((z) => z.id === id)?.purdueLevel ?? -1;
    const between = policy.conduits.filter((c) => c.zones[0] !== c.zones[1] && policy.zones.some((z) => z.id === c.zones[0]) && policy.zones.some((z) => z.id === c.zones[1]));
    const insideOf = (z: Zone) => policy.conduits.filter((c) => c.zones[0] === z.id && c.zones[1] === z.id);
    const edges: ElkExtendedEdge[] = between.map((c) => {
      // From the higher level down, so the layering and the Purdue partitions agree.
      const [a, b] = level(c.zones[0]) >= level(c.zones[1]) ? c.zones : [c.zones[1], c.zones[0]];
      const t = m.size(conduitLabel(c), 'conduit-label');
      return { id: c.id, sources: [a], targets: [b], labels: [{ id: `${c.id}-label`, text: conduitLabel(c), width: t.width + 8, height: t.height + 4 }] };
    });
    const graph: ElkNode = {
      id: 'plant',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'DOWN',
        'elk.partitioning.activate': 'true',
        // One layering for the whole plant: the Purdue partitions hold across unconnected zones too.
        'elk.separateConnectedComponents': 'false',
        'elk.edgeRouting': 'ORTHOGONAL',
        'elk.edgeLabels.placement': 'CENTER',
        'elk.spacing.nodeNode': '40',
        'elk.spacing.edgeLabel': '6',
        'elk.spacing.edgeNode': '16',
        'elk.layered.spacing.nodeNodeBetweenLayers': '48',
        'elk.layered.spacing.edgeNodeBetweenLayers': '16',
        'elk.padding': '[top=20,left=20,bottom=20,right=20]',
      },
      children: policy.zones.map((z) => zoneNode(z, levels.indexOf(z.purdueLevel ?? -1), collapsed.has(z.id), insideOf(z), m.size)),
      edges,
    };
    const out = await engine.layout(graph);
    const zones = (out.children ?? []).map((n, i): ZoneBox => {
      const zone = policy.zones[i]!;
      return { zone, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0, header: header(zone, collapsed.has(zone.id)), inside: insideOf(zone), assets: n.children ?? [], collapsed: collapsed.has(zone.id) };
    });
    const conduits = (out.edges ?? []).map((e, i): ConduitLine => {
      const sec = e.sections?.[0];
      return { conduit: between[i]!, points: sec ? [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint] : [], label: e.labels?.[0] ?? {} };
    });
    return { width: out.width ?? 0, height: out.height ?? 0, zones, conduits };
  } finally {
    m.done();
  }
}
