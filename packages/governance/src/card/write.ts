import { join } from 'node:path';
import { hashBytes, writeFileAtomic } from '@slipway/core';
import type { ModelCard } from './build.js';
import { modelCardToolkitJson, renderModelCardMarkdown } from './render.js';

export const CARD_MARKDOWN = 'MODEL_CARD.md';
export const CARD_JSON = 'model_card.json';

export interface WrittenCard {
  markdownPath: string;
  jsonPath: string;
  /** sha256 of MODEL_CARD.md: recorded on the model version as `slipway.card.sha256`. */
  sha256: string;
  markdown: string;
  json: Record<string, unknown>;
}

/** Writes MODEL_CARD.md and model_card.json into `dir` (atomically, each). */
export async function writeModelCard(
  dir: string,
  card: ModelCard,
  options: { root?: string } = {},
): Promise<WrittenCard> {
  // With the repository root: never through a link inside it.
  const place = options.root ? { root: options.root } : {};
  const markdown = renderModelCardMarkdown(card);
  const json = modelCardToolkitJson(card);
  const markdownPath = join(dir, CARD_MARKDOWN);
  const jsonPath = join(dir, CARD_JSON);
  await writeFileAtomic(markdownPath, markdown, place);
  await writeFileAtomic(jsonPath, `${JSON.stringify(json, null, 2)}\n`, place);
  return { markdownPath, jsonPath, sha256: hashBytes(markdown), markdown, json };
}
