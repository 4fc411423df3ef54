/**
 * The commit of slipway-ml/slipway whose reusable workflows `slipway init` pins (never a tag: a tag can be
 * moved). Written by `node scripts/pin-release.ts workflows <sha>` when a release is cut; those
 * workflows in turn call the Actions at the commit they were released from.
 */
export const WORKFLOWS_REF = '19a00e716aa2953e4ca1cdbe374f551fab99ab5f';
