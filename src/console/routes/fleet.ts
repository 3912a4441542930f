// The fleet, on a central site's console: sites, cells and gateways with their health at a
// glance and one queue of the fleet's alerts and events; the fleet's inventory and
// conversations; one gateway with its latest records
// and its audit chain verified at the centre. Read-only: enrolment and rollout are the
// `bulkhead central` commands'.

import { Type } from '@sinclair/typebox';
import { FleetGatewaySchema, FleetInventorySchema, FleetViewSchema } from '../../app/fleet-schemas.js';
import { Problem } from '../../app/schemas.js';
import type { Feature } from '../context.js';

export const fleetRoutes: Feature = async (app, { s }) => {
  app.get(
    '/api/fleet',
    { config: { role: 'viewer' }, schema: { tags: ['fleet'], summary: "The fleet at a glance: sites, cells, gateways with their health and why, and the fleet's latest alerts and events (empty where this box is not a central site)", response: { 200: FleetViewSchema } } },
    async () => s.fleet.view(),
  );
  app.get(
    '/api/fleet/inventory',
    { config: { role: 'viewer' }, schema: { tags: ['fleet'], summary: "The fleet's inventory and conversations as its gateways learned them, by gateway (at most a named number of each, with the totals)", response: { 200: FleetInventorySchema } } },
    async () => s.fleet.inventory(),
  );
  app.get(
    '/api/fleet/gateways/:id',
    {
      config: { role: 'viewer' },
      schema: { tags: ['fleet'], summary: 'One gateway as the centre knows it: its health, its latest records, and its audit chain recomputed at the centre', params: Type.Object({ id: Type.String({ pattern: '^[a-z][a-z0-9-]{0,30}[a-z0-9]$' }) }), response: { 200: FleetGatewaySchema, 404: Problem } },
    },
    async (req) => s.fleet.gateway(req.params.id),
  );
};
