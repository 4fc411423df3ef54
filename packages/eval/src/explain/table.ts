/** Row gathering for explanations: build tables whose cells come from chosen rows of a source table. */
import type { Column, Table } from '@slipway/data';

/** A copy of `col` holding `col[idx[j]]` at row j. */
export function gatherColumn(col: Column, idx: Int32Array): Column {
  const n = idx.length;
  switch (col.kind) {
    case 'string': {
      const values = new Array<string | null>(n);
      for (let j = 0; j < n; j++) values[j] = col.values[idx[j] as number] ?? null;
      return { ...col, values };
    }
    case 'boolean': {
      const values = new Uint8Array(n);
      const valid = new Uint8Array(n);
      for (let j = 0; j < n; j++) {
        values[j] = col.values[idx[j] as number] as number;
        valid[j] = col.valid[idx[j] as number] as number;
      }
      return { ...col, values, valid };
    }
    default: {
      const values = new Float64Array(n);
      const valid = new Uint8Array(n);
      for (let j = 0; j < n; j++) {
        values[j] = col.values[idx[j] as number] as number;
        valid[j] = col.valid[idx[j] as number] as number;
      }
      return { ...col, values, valid };
    }
  }
}

export function takeRows(table: Table, idx: Int32Array): Table {
  return { rowCount: idx.length, columns: table.columns.map((c) => gatherColumn(c, idx)) };
}

/** Rows of `a` followed by rows of `b` (columns matched by name). */
export function stackTables(a: Table, b: Table): Table {
  const columns = a.columns.map((ca) => {
    const cb = b.columns.find((c) => c.name === ca.name);
    if (!cb) throw new RangeError(`column ${ca.name} is missing from the second table`);
    return concatColumns(ca, cb);
  });
  return { rowCount: a.rowCount + b.rowCount, columns };
}

function concatColumns(a: Column, b: Column): Column {
  if (a.kind === 'string' && b.kind === 'string') return { ...a, values: [...a.values, ...b.values] };
  if (a.kind !== 'string' && b.kind !== 'string') {
    const values =
      a.kind === 'boolean'
        ? new Uint8Array(a.values.length + b.values.length)
        : new Float64Array(a.values.length + b.values.length);
    values.set(a.values);
    values.set(b.values, a.values.length);
    const valid = new Uint8Array(a.valid.length + b.valid.length);
    valid.set(a.valid);
    valid.set(b.valid, a.valid.length);
    return { ...a, values, valid } as Column;
  }
  throw new RangeError(`column ${a.name}: cannot stack ${a.kind} with ${b.kind}`);
}
