export {
  assertCsvRectangular,
  connect,
  type DatasetFormat,
  datasetError,
  formatOf,
  sourceSql,
  sqlIdent,
  sqlString,
} from './duckdb.js';
export {
  concatTables,
  type DatasetInfo,
  describeDataset,
  getColumn,
  kindOf,
  type ReadOptions,
  readTable,
  scanTable,
} from './read.js';
export type {
  BooleanColumn,
  Column,
  ColumnInfo,
  ColumnKind,
  NumberColumn,
  StringColumn,
  Table,
  TimestampColumn,
} from './types.js';
export { writeTable } from './write.js';
