// Runs a batch of IAM simulations with @cloud-copilot/iam-simulate (pinned in package.json).
// stdin: {"simulations": [{"id": str, "simulation": <Simulation>}]}
// stdout: {"results": [{"id", "decision", "blockedBy", "decisive", "errors"}]}
// One process for the whole attack suite: starting Node per scenario would cost seconds.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const batch = JSON.parse(Buffer.concat(chunks).toString('utf8'))

// The statements that decided: denies first (they win), then the allows that granted.
function decisive(analysis) {
  const out = []
  const add = (kind, stmts, org) => {
    for (const s of stmts ?? []) {
      out.push({
        kind,
        org: org ?? null,
        policy: s.policyId ?? s.policyName ?? null,
        sid: s.statement?.sid?.() ?? null,
        effect: s.statement?.effect?.() ?? null,
      })
    }
  }
  if (!analysis) return out
  for (const ou of analysis.scpAnalysis?.ouAnalysis ?? []) add('scp-deny', ou.denyStatements, ou.orgIdentifier)
  for (const ou of analysis.rcpAnalysis?.ouAnalysis ?? []) add('rcp-deny', ou.denyStatements, ou.orgIdentifier)
  add('identity-deny', analysis.identityAnalysis?.denyStatements)
  add('resource-deny', analysis.resourceAnalysis?.denyStatements)
  add('boundary-deny', analysis.permissionBoundaryAnalysis?.denyStatements)
  add('endpoint-deny', analysis.endpointAnalysis?.denyStatements)
  add('identity-allow', analysis.identityAnalysis?.allowStatements)
  add('resource-allow', analysis.resourceAnalysis?.allowStatements)
  return out
}

const results = []
for (const { id, simulation } of batch.simulations) {
  try {
    const response = await runSimulation(simulation, { simulationMode: 'Strict' })
    if (response.resultType === 'error') {
      results.push({ id, decision: 'Error', errors: response.errors })
      continue
    }
    const analyses =
      response.resultType === 'single' ? [response.result.analysis] : response.results.map((r) => r.analysis)
    results.push({
      id,
      decision: response.overallResult,
      blockedBy: analyses.flatMap((a) => a?.blockedBy ?? []),
      decisive: analyses.flatMap(decisive),
      ignoredContextKeys:
        response.resultType === 'single' ? response.result.ignoredContextKeys ?? [] : [],
    })
  } catch (error) {
    results.push({ id, decision: 'Error', errors: { message: String(error?.stack ?? error) } })
  }
}
process.stdout.write(JSON.stringify({ results }))
