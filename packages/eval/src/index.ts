export type * from './report/types.js';
