// What the console works with over one database: accounts, policy review, the inventory and the
// running gateway. The console imports this layer only (and the model's types).

import type { Db } from '../store/database.js';
import { UserStore } from '../store/user-store.js';
import { Advisories } from './advisories.js';
import { fleetGateway, fleetInventory, fleetView, type FleetGatewayDetail, type FleetInventory, type FleetView } from './fleet-view.js';
import { Alerts } from './alerts.js';
import { ResponseSettings } from './auto-response.js';
import { GatewayControl } from './gateway-control.js';
import { Inventory } from './inventory.js';
import { PolicyReview } from './review.js';
import { RiskAssessment } from './risk.js';

export { siemLines } from './audit.js';
export { GATEWAY_MODES } from '../gateway/health.js';
export { Inventory } from './inventory.js';
export { SHOWN_POLICY_SCHEMA, RULE_PAGE_SCHEMA, RULES_SHOWN, RULE_PAGE, RULE_PAGE_MAX } from './review.js';
export { MAX_SUPPRESSION_DAYS, SUPPRESSION_SCOPES } from './alerts.js';
export { MAX_FILES as MAX_UPLOAD_DOCUMENTS, REASON_MAX } from './advisories.js';

export interface Services {
  accounts: UserStore;
  alerts: Alerts;
  review: PolicyReview;
  inventory: Inventory;
  gateway: GatewayControl;
  responses: ResponseSettings;
  advisories: Advisories;
  risk: RiskAssessment;
  /** The fleet, where this box is a central site (empty elsewhere). */
  fleet: { view: () => FleetView; gateway: (id: string) => FleetGatewayDetail; inventory: () => FleetInventory };
}

export function services(db: Db): Services {
  return { accounts: new UserStore(db), alerts: new Alerts(db), review: new PolicyReview(db), inventory: new Inventory(db), gateway: new GatewayControl(db), responses: new ResponseSettings(db), advisories: new Advisories(db), risk: new RiskAssessment(db), fleet: { view: () => fleetView(db), gateway: (id) => fleetGateway(db, id), inventory: () => fleetInventory(db) } };
}
