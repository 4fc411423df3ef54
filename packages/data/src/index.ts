export * from './quality/index.js';
export * from './table/index.js';
export * from './versioning/index.js';
