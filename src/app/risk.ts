// The risk assessment as the command line, the console and the compliance report use it (the
// assessment itself lives in risk/, where the gateway's SIEM forwarding reads it too).

export { ASSESSMENT_REUSE_MS, RiskAssessment, RiskError, type AssetAssessment, type CountermeasureDraft, type RiskReport, type ZoneAssessment } from '../risk/assessment.js';
export { COUNTERMEASURE_KINDS, type Countermeasure } from '../risk/countermeasures.js';
