/**
 * The words of the monitor's alert issue: title, body (why, then each window's report) and the comment
 * posted when an open issue is updated. The window reports are rendered (and escaped) by @slipway/eval;
 * the alert reasons carry window and column names from the data, so they are escaped here.
 */
import { mdText } from '@slipway/core/base';

export interface MonitorIssueInput {
  model: string;
  version: string | null;
  /** `window: reason` lines, as the monitor reports them. */
  reasons: string[];
  /** Each window's monitor.md (renderMonitorMarkdown). */
  sections: string[];
  runUrl: string | null;
}

export interface MonitorIssueText {
  title: string;
  body: string;
  updateComment: string;
}

export function renderMonitorIssue(i: MonitorIssueInput): MonitorIssueText {
  const heading = mdText(`${i.model}${i.version ? ` v${i.version}` : ''}`);
  const run = i.runUrl ? ` ([run](${i.runUrl}))` : '';
  const list = i.reasons.map((r) => `- ${mdText(r)}`).join('\n');
  return {
    title: `Slipway monitor alert: ${i.model}`,
    body: `Slipway's scheduled monitor found a problem with the production model **${heading}**${run}:\n\n${list}\n\nThis issue is updated on every run while the alert lasts; close it once the model is retrained or the alert is understood.\n\n${i.sections.join('\n')}`,
    updateComment: `The monitor raised the alert again${run}:\n\n${list}`,
  };
}
