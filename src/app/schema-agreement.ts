// Compile-time proof that the API's schemas (app/schemas.ts) serve what the use-cases return:
// each model type fits its schema with no field left out, so a field added to the model and not
// to the schema fails the build here instead of vanishing from the console's replies.

import type { Static } from '@sinclair/typebox';
import type { EngineHealth, GatewayMode, SupervisorState } from '../gateway/health.js';
import type { EtherCensusState } from '../learn/ether-census.js';
import type { LearnProgress } from '../learn/progress.js';
import type { ComplianceReport } from '../policy/compliance.js';
import type { PolicyDiff } from '../policy/diff.js';
import type { Finding } from '../policy/lint.js';
import type { DeniedGroup, SimulationReport } from '../policy/simulate.js';
import type { Assert, Fits, Same } from '../store/records.js';
import type { SimulationComparison } from './policy.js';
import type { Proposal } from './propose.js';
import type { BacnetTarget, ModbusTarget, OpcuaTarget } from '../../protocols/operation.js';
import type { Addition, Observation, Refusal } from '../policy/adapt.js';
import type { GatewayStatus } from './status.js';
import type { ImportReport, RiskSummary, ShownAdvisory } from './advisories.js';
import type * as S from './schemas.js';
import type { CountermeasureDraft, RiskReport } from './risk.js';
import type * as R from './risk-schemas.js';
import type { CountermeasureKind } from '../risk/countermeasures.js';
import type { MatchConfidence } from '../risk/match.js';
import type { RiskBand } from '../risk/score.js';

export type Agreement = [
  Assert<Same<Static<typeof S.EngineHealthSchema>['mode'], GatewayMode>>,
  Assert<Fits<Static<typeof S.EngineHealthSchema>, EngineHealth>>,
  Assert<Fits<Static<typeof S.SupervisorSchema>, SupervisorState>>,
  Assert<Fits<Static<typeof S.GatewayStatusSchema>, GatewayStatus>>,
  Assert<Fits<Static<typeof S.EtherCensusSchema>, EtherCensusState>>,
  Assert<Fits<S.LearnProgress, LearnProgress>>,
  Assert<Fits<S.Finding, Finding>>,
  Assert<Fits<Static<typeof S.DiffSchema>, PolicyDiff>>,
  Assert<Fits<S.DeniedGroup, DeniedGroup>>,
  Assert<Fits<S.Simulation, SimulationReport>>,
  Assert<Fits<S.SimulationComparison, SimulationComparison>>,
  Assert<Fits<Static<typeof S.ComplianceSchema>, ComplianceReport>>,
  // Fits compares one object's keys: unions (the targets) are proved member by member, and what holds them without them.
  Assert<Fits<Extract<Shown['targets'][number], { type: 'modbus' }>, ModbusTarget>>,
  Assert<Fits<Extract<Shown['targets'][number], { type: 'bacnet' }>, BacnetTarget>>,
  Assert<Fits<Extract<Shown['targets'][number], { type: 'opcua' }>, OpcuaTarget>>,
  Assert<Fits<Omit<Shown, 'targets'>, Omit<Observation, 'targets'>>>,
  Assert<Fits<Omit<S.Proposal, 'additions' | 'refused'>, Omit<Proposal, 'additions' | 'refused'>>>,
  Assert<Fits<Omit<S.Proposal['additions'][number], 'observation'>, Omit<Addition, 'observation'>>>,
  Assert<Fits<Omit<S.Proposal['refused'][number], 'observation'>, Omit<Refusal, 'observation'>>>,
  Assert<Fits<Static<typeof S.AdvisorySummarySchema>, RiskSummary>>,
  Assert<Fits<Static<typeof S.ImportReportSchema>, ImportReport>>,
  Assert<Fits<Static<typeof S.ShownAdvisorySchema>, ShownAdvisory>>,
  Assert<Fits<R.ShownRiskReport, RiskReport>>,
  Assert<Fits<R.ShownCountermeasureDraft, CountermeasureDraft>>,
  Assert<Same<(typeof R.CONFIDENCE_NAMES)[number], MatchConfidence>>,
  Assert<Same<(typeof R.RISK_BANDS)[number], RiskBand>>,
  Assert<Same<(typeof R.COUNTERMEASURE_KIND_NAMES)[number], CountermeasureKind>>,
];

type Shown = Static<typeof S.ObservationSchema>;
