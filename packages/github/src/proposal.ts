import { mdCode, mdText } from '@slipway/core/base';

/**
 * The words of a retraining proposal: commit message, pull-request title and body. The body leads with
 * why retraining ran and what changed, then the candidate's evaluation report (which the caller renders
 * with @slipway/eval, so this package stays free of report types).
 */

export interface ProposalInput {
  model: string;
  /** The monitor's alert reasons (`jun: drift in 3 of 5 columns; …`), or empty when started by hand. */
  reason: string;
  modelHash: string | null;
  verdict: 'pass' | 'fail';
  reportMarkdown: string;
  /** The workflow run that trained the candidate. */
  runUrl: string | null;
}

export interface Proposal {
  title: string;
  commitMessage: string;
  body: (files: string[]) => string;
}

const MAX_FILES_LISTED = 50;

export function renderProposal(p: ProposalInput): Proposal {
  const reasons = p.reason
    .split(/;\s*/)
    .map((r) => r.trim())
    .filter(Boolean);
  const why =
    reasons.length > 0
      ? `after a monitoring alert (${reasons[0]}${reasons.length > 1 ? ', …' : ''})`
      : 'on request';
  const title = `Retrain ${p.model} ${why}`.slice(0, 200);
  const commitMessage = `${title}\n\n${reasons.length > 0 ? `Alert reasons:\n${reasons.map((r) => `- ${r}`).join('\n')}\n\n` : ''}Candidate: ${p.modelHash ?? 'not recorded'} (evaluation ${p.verdict})\n`;
  const body = (files: string[]) => {
    const shown = files.slice(0, MAX_FILES_LISTED).map((f) => `- ${mdCode(f)}`);
    if (files.length > MAX_FILES_LISTED) shown.push(`- … and ${files.length - MAX_FILES_LISTED} more`);
    return [
      `## Retraining proposal: ${mdText(p.model)}`,
      '',
      reasons.length > 0
        ? `Slipway's monitor raised an alert:\n\n${reasons.map((r) => `- ${mdText(r)}`).join('\n')}`
        : 'Retraining was started by hand.',
      '',
      `**Candidate:** ${mdCode(p.modelHash ?? 'not recorded')} — evaluation **${p.verdict === 'pass' ? 'PASS' : 'FAIL'}**${p.runUrl ? ` ([run](${p.runUrl}))` : ''}`,
      '',
      `**Changed files** (${files.length}):`,
      ...shown,
      '',
      'The pull-request pipeline checks this branch like any other change; merging it releases the candidate through the usual gates and promotion policy.',
      '',
      p.reportMarkdown,
    ].join('\n');
  };
  return { title, commitMessage, body };
}
