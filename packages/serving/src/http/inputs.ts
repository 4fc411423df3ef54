/**
 * Request bodies → rows for the model, checked against the package signature, and predictions →
 * responses: the simple `POST /predict` (named columns) and Open Inference Protocol v2 (JSON and the
 * binary tensor extension that tritonclient uses by default).
 */
import type { Predictions, Row, Signature } from '@slipway/training';
import { badRequest, type HttpError } from './errors.js';

type Kind = Signature['inputs'][number]['kind'];

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${typeof v === 'object' ? '' : String(v)}`.trim();
}

/** Checks one cell against the signature kind; returns the value the model gets. */
function cell(kind: Kind, v: unknown, input: string, row: number): string | number | boolean | null {
  if (v === null) return null;
  switch (kind) {
    case 'number':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      break;
    case 'string':
      if (typeof v === 'string') return v;
      break;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      break;
    case 'timestamp':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      // Strings go to the package as sent: features.json decides how naive times are read.
      if (typeof v === 'string' && v.trim() !== '') return v;
      break;
  }
  throw badRequest(
    'BAD_INPUT_TYPE',
    `input "${input}" row ${row}: expected ${kind === 'timestamp' ? 'a timestamp (ms or ISO string)' : `a ${kind}`}, got ${describe(v)}`,
    'send values of the kind the model signature lists (GET /v2/models/<name> shows it)',
  );
}

function expectedList(signature: Signature): string {
  return signature.inputs.map((i) => `${i.name} (${i.kind})`).join(', ');
}

/** `POST /predict` body: `{"rows": [{col: value}]}` or `{"columns": {col: [values]}}`. */
function tooMany(n: number, maxRows: number, where: string): HttpError {
  return badRequest(
    'TOO_MANY_ROWS',
    `${where} holds ${n} rows; this server takes at most ${maxRows} per request`,
    'split the rows over several requests (or raise serving.maxRows)',
  );
}

export function rowsFromPredictBody(
  body: unknown,
  signature: Signature,
  maxRows = Number.POSITIVE_INFINITY,
): Row[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(
      'BAD_REQUEST_BODY',
      'the body must be a JSON object with "rows" or "columns"',
      'e.g. {"rows": [{"distance": 500, "hour": 9, "carrier": "AA"}]}',
    );
  }
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.rows)) {
    if (b.rows.length === 0) throw badRequest('EMPTY_REQUEST', '"rows" is empty', 'send at least one row');
    if (b.rows.length > maxRows) throw tooMany(b.rows.length, maxRows, '"rows"');
    return b.rows.map((raw, r) => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw badRequest('BAD_ROW', `rows[${r}] is ${describe(raw)}, not an object of named columns`);
      }
      const rec = raw as Record<string, unknown>;
      const row: Row = {};
      for (const input of signature.inputs) {
        if (!(input.name in rec)) {
          throw badRequest(
            'MISSING_INPUT',
            `rows[${r}]: missing input column "${input.name}"`,
            `the model needs: ${expectedList(signature)}`,
          );
        }
        row[input.name] = cell(input.kind, rec[input.name], input.name, r);
      }
      return row;
    });
  }
  if (b.columns !== null && typeof b.columns === 'object' && !Array.isArray(b.columns)) {
    const cols = b.columns as Record<string, unknown>;
    let n = -1;
    for (const input of signature.inputs) {
      const values = cols[input.name];
      if (values === undefined) {
        throw badRequest(
          'MISSING_INPUT',
          `columns: missing input column "${input.name}"`,
          `the model needs: ${expectedList(signature)}`,
        );
      }
      if (!Array.isArray(values))
        throw badRequest('BAD_INPUT_SHAPE', `columns.${input.name} must be a list of values`);
      if (n === -1) n = values.length;
      else if (values.length !== n) {
        throw badRequest(
          'BAD_INPUT_SHAPE',
          `columns.${input.name} has ${values.length} values, other columns have ${n}`,
          'every column needs one value per row',
        );
      }
    }
    if (n <= 0)
      throw badRequest('EMPTY_REQUEST', 'columns hold no rows', 'send at least one value per column');
    if (n > maxRows) throw tooMany(n, maxRows, '"columns"');
    const rows: Row[] = Array.from({ length: n }, () => ({}));
    for (const input of signature.inputs) {
      const values = cols[input.name] as unknown[];
      for (let r = 0; r < n; r++) (rows[r] as Row)[input.name] = cell(input.kind, values[r], input.name, r);
    }
    return rows;
  }
  throw badRequest(
    'BAD_REQUEST_BODY',
    'the body needs "rows" (a list of objects) or "columns" (an object of lists)',
    'e.g. {"rows": [{"distance": 500, "hour": 9, "carrier": "AA"}]}',
  );
}

/** Predictions as JSON values (numbers; multiclass also the class label and probabilities). */
export function predictionsJson(p: Predictions, signature: Signature): Record<string, unknown> {
  const values = Array.from(p.values);
  const out: Record<string, unknown> = { predictions: values };
  if (p.task === 'binary' && signature.classes && signature.threshold !== null) {
    const [neg, pos] = signature.classes;
    out.labels = values.map((v) => (v >= (signature.threshold as number) ? pos : neg));
  }
  if (p.task === 'multiclass' && p.probabilities) {
    const k = p.probabilities.length / p.n;
    out.labels = values.map((v) => signature.classes?.[v] ?? v);
    if (signature.classes) out.classes = signature.classes;
    out.probabilities = values.map((_, i) => Array.from(p.probabilities?.subarray(i * k, (i + 1) * k) ?? []));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Open Inference Protocol v2

const NUMERIC = new Set([
  'FP16',
  'FP32',
  'FP64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
]);

export function oipDatatype(kind: Kind): string {
  return kind === 'number' ? 'FP64' : kind === 'string' ? 'BYTES' : kind === 'boolean' ? 'BOOL' : 'INT64';
}

function datatypeFits(kind: Kind, datatype: string): boolean {
  if (kind === 'number') return NUMERIC.has(datatype) && datatype !== 'FP16';
  if (kind === 'string') return datatype === 'BYTES';
  if (kind === 'boolean') return datatype === 'BOOL';
  return datatype === 'INT64' || datatype === 'FP64' || datatype === 'BYTES';
}

const BYTE_WIDTH: Record<string, number> = {
  FP32: 4,
  FP64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  BOOL: 1,
};

/** Decodes a binary tensor (little-endian, Triton's binary data extension). */
function decodeBinary(name: string, datatype: string, bytes: Buffer): unknown[] {
  if (datatype === 'BYTES') {
    const out: string[] = [];
    let o = 0;
    while (o < bytes.length) {
      if (o + 4 > bytes.length)
        throw badRequest('BAD_INPUT_DATA', `input "${name}": truncated BYTES element`);
      const len = bytes.readUInt32LE(o);
      o += 4;
      if (o + len > bytes.length)
        throw badRequest('BAD_INPUT_DATA', `input "${name}": BYTES element longer than the data`);
      out.push(bytes.toString('utf8', o, o + len));
      o += len;
    }
    return out;
  }
  const width = BYTE_WIDTH[datatype];
  if (width === undefined)
    throw badRequest('BAD_DATATYPE', `input "${name}": datatype ${datatype} is not supported in binary form`);
  if (bytes.length % width !== 0) {
    throw badRequest(
      'BAD_INPUT_DATA',
      `input "${name}": ${bytes.length} bytes is not a whole number of ${datatype} values`,
    );
  }
  const n = bytes.length / width;
  const out: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * width;
    switch (datatype) {
      case 'FP32':
        out[i] = bytes.readFloatLE(o);
        break;
      case 'FP64':
        out[i] = bytes.readDoubleLE(o);
        break;
      case 'INT8':
        out[i] = bytes.readInt8(o);
        break;
      case 'INT16':
        out[i] = bytes.readInt16LE(o);
        break;
      case 'INT32':
        out[i] = bytes.readInt32LE(o);
        break;
      case 'INT64':
        out[i] = Number(bytes.readBigInt64LE(o));
        break;
      case 'UINT8':
        out[i] = bytes.readUInt8(o);
        break;
      case 'UINT16':
        out[i] = bytes.readUInt16LE(o);
        break;
      case 'UINT32':
        out[i] = bytes.readUInt32LE(o);
        break;
      case 'UINT64':
        out[i] = Number(bytes.readBigUInt64LE(o));
        break;
      default:
        out[i] = bytes[o] !== 0;
    }
  }
  return out;
}

/** Row-major data of a [n] or [n, 1] tensor: flat, or nested one level ([[v], [v]]); deeper is refused. */
function flatten(name: string, data: unknown): unknown[] {
  if (!Array.isArray(data)) return [data];
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  for (const v of data as unknown[]) {
    if (!Array.isArray(v)) {
      out.push(v);
      continue;
    }
    for (const w of v) {
      if (Array.isArray(w))
        throw badRequest(
          'BAD_INPUT_SHAPE',
          `input "${name}": data is nested deeper than its shape`,
          'send the values flat or as [[v], [v], …]',
        );
      out.push(w);
    }
  }
  return out;
}

export interface OipRequest {
  id?: string;
  rows: Row[];
  /** Output names asked for, with whether each comes back in binary form. */
  outputs: { name: string; binary: boolean }[] | null;
  binaryDefault: boolean;
}

export const OIP_OUTPUTS = ['predictions', 'probabilities'] as const;

/**
 * Parses an infer request. `headerLength` is the Inference-Header-Content-Length header when the body
 * carries binary tensors after the JSON header.
 */
export function parseInferRequest(
  body: Buffer,
  headerLength: number | null,
  signature: Signature,
  maxRows = Number.POSITIVE_INFINITY,
): OipRequest {
  let jsonPart = body;
  let binary: Buffer | null = null;
  if (headerLength !== null) {
    if (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.length) {
      throw badRequest(
        'BAD_HEADER',
        `Inference-Header-Content-Length ${headerLength} does not fit the ${body.length}-byte body`,
      );
    }
    jsonPart = body.subarray(0, headerLength);
    binary = body.subarray(headerLength);
  }
  let req: unknown;
  try {
    req = JSON.parse(jsonPart.toString('utf8'));
  } catch (err) {
    throw badRequest(
      'MALFORMED_JSON',
      `the request body is not valid JSON: ${(err as Error).message}`,
      'send a JSON object: {"inputs": [{"name", "shape", "datatype", "data"}]}',
    );
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req))
    throw badRequest('BAD_REQUEST_BODY', 'the infer request must be a JSON object');
  const r = req as Record<string, unknown>;
  if (!Array.isArray(r.inputs) || r.inputs.length === 0) {
    throw badRequest(
      'BAD_REQUEST_BODY',
      '"inputs" must be a non-empty list of tensors',
      `the model needs: ${expectedList(signature)}`,
    );
  }
  const byName = new Map<string, unknown[]>();
  let offset = 0;
  let n = -1;
  for (const [i, raw] of (r.inputs as unknown[]).entries()) {
    if (raw === null || typeof raw !== 'object')
      throw badRequest('BAD_REQUEST_BODY', `inputs[${i}] must be an object`);
    const t = raw as {
      name?: unknown;
      shape?: unknown;
      datatype?: unknown;
      data?: unknown;
      parameters?: Record<string, unknown>;
    };
    if (typeof t.name !== 'string')
      throw badRequest('BAD_REQUEST_BODY', `inputs[${i}].name must be a string`);
    const name = t.name;
    const spec = signature.inputs.find((s) => s.name === name);
    if (!spec)
      throw badRequest(
        'UNKNOWN_INPUT',
        `input "${name}" is not an input of the model`,
        `the model needs: ${expectedList(signature)}`,
      );
    if (byName.has(name)) throw badRequest('DUPLICATE_INPUT', `input "${name}" is given twice`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw badRequest('BAD_INPUT_SHAPE', `input "${name}": shape must be a list of non-negative integers`);
    }
    const shape = t.shape as number[];
    if (shape.length === 0 || shape.length > 2 || (shape.length === 2 && shape[1] !== 1)) {
      throw badRequest(
        'BAD_INPUT_SHAPE',
        `input "${name}": shape [${shape.join(', ')}] is not [rows] or [rows, 1]`,
        'send one column per input: shape [n] or [n, 1]',
      );
    }
    if (typeof t.datatype !== 'string')
      throw badRequest('BAD_DATATYPE', `input "${name}": datatype must be a string`);
    if (!datatypeFits(spec.kind, t.datatype)) {
      throw badRequest(
        'BAD_DATATYPE',
        `input "${name}": datatype ${t.datatype} does not fit a ${spec.kind} column`,
        `use ${oipDatatype(spec.kind)}`,
      );
    }
    // Checked before any data is decoded, so an over-sized request costs nothing more.
    const declared = shape.reduce((a, b) => a * b, 1);
    if (declared > maxRows) throw tooMany(declared, maxRows, `input "${name}"`);
    let data: unknown[];
    const params = t.parameters !== null && typeof t.parameters === 'object' ? t.parameters : {};
    const binarySize = params.binary_data_size;
    if (binarySize !== undefined) {
      if (
        !binary ||
        typeof binarySize !== 'number' ||
        !Number.isSafeInteger(binarySize) ||
        binarySize < 0 ||
        offset + binarySize > binary.length
      ) {
        throw badRequest(
          'BAD_INPUT_DATA',
          `input "${name}": binary_data_size ${String(binarySize)} is not a byte count within the binary data sent`,
        );
      }
      const width = BYTE_WIDTH[t.datatype];
      if (width !== undefined && binarySize !== declared * width) {
        throw badRequest(
          'BAD_INPUT_SHAPE',
          `input "${name}": shape [${shape.join(', ')}] needs ${declared * width} bytes of ${t.datatype} but binary_data_size is ${binarySize}`,
        );
      }
      data = decodeBinary(name, t.datatype, binary.subarray(offset, offset + binarySize));
      offset += binarySize;
    } else {
      if (t.data === undefined) throw badRequest('BAD_INPUT_DATA', `input "${name}" has no data`);
      data = flatten(name, t.data);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
      throw badRequest(
        'BAD_INPUT_SHAPE',
        `input "${name}": shape [${shape.join(', ')}] holds ${count} values but ${data.length} were sent`,
      );
    }
    if (n === -1) n = count;
    else if (count !== n)
      throw badRequest(
        'BAD_INPUT_SHAPE',
        `input "${name}" has ${count} rows, other inputs have ${n}`,
        'every input needs one value per row',
      );
    if (t.datatype === 'BOOL' && !data.every((v) => typeof v === 'boolean')) {
      throw badRequest('BAD_INPUT_TYPE', `input "${name}": BOOL data must be true/false`);
    }
    byName.set(name, data);
  }
  for (const s of signature.inputs) {
    if (!byName.has(s.name))
      throw badRequest(
        'MISSING_INPUT',
        `missing input "${s.name}"`,
        `the model needs: ${expectedList(signature)}`,
      );
  }
  if (n === 0) throw badRequest('EMPTY_REQUEST', 'the inputs hold no rows');
  const rows: Row[] = Array.from({ length: n }, () => ({}));
  for (const s of signature.inputs) {
    const data = byName.get(s.name) as unknown[];
    for (let k = 0; k < n; k++) (rows[k] as Row)[s.name] = cell(s.kind, data[k], s.name, k);
  }
  const params = (r.parameters ?? {}) as Record<string, unknown>;
  const binaryDefault = params.binary_data_output === true;
  let outputs: OipRequest['outputs'] = null;
  if (Array.isArray(r.outputs)) {
    outputs = (r.outputs as { name?: unknown; parameters?: Record<string, unknown> }[]).map((o, i) => {
      if (typeof o?.name !== 'string')
        throw badRequest('BAD_REQUEST_BODY', `outputs[${i}].name must be a string`);
      if (!(OIP_OUTPUTS as readonly string[]).includes(o.name)) {
        throw badRequest(
          'UNKNOWN_OUTPUT',
          `output "${o.name}" does not exist`,
          `outputs: ${OIP_OUTPUTS.join(', ')}`,
        );
      }
      const b = o.parameters?.binary_data;
      return { name: o.name, binary: typeof b === 'boolean' ? b : binaryDefault };
    });
  }
  return { ...(typeof r.id === 'string' ? { id: r.id } : {}), rows, outputs, binaryDefault };
}

export interface EncodedResponse {
  body: Buffer;
  contentType: string;
  headerLength?: number;
}

/** Builds the infer response, putting binary outputs after the JSON header when asked. */
export function encodeInferResponse(
  p: Predictions,
  req: OipRequest,
  head: { model_name: string; model_version: string; parameters: Record<string, unknown> },
  classes: Signature['classes'] = null,
): EncodedResponse {
  // multiclass: `predictions` is the predicted class index [n] and `probabilities` [n, k] has a column per
  // class; both name the classes in their parameters. binary: P(positive) [n]; regression: the value [n].
  const named = p.task === 'multiclass' && classes ? { classes } : null;
  const available: {
    name: string;
    shape: number[];
    data: Float64Array;
    parameters: Record<string, unknown> | null;
  }[] = [{ name: 'predictions', shape: [p.n], data: p.values, parameters: named }];
  if (p.probabilities)
    available.push({
      name: 'probabilities',
      shape: [p.n, p.probabilities.length / Math.max(1, p.n)],
      data: p.probabilities,
      parameters: named,
    });
  const wanted = req.outputs ?? available.map((a) => ({ name: a.name, binary: req.binaryDefault }));
  const chunks: Buffer[] = [];
  const outputs = [];
  for (const w of wanted) {
    const a = available.find((x) => x.name === w.name);
    if (!a) throw badRequest('UNKNOWN_OUTPUT', `output "${w.name}" is not produced for a ${p.task} model`);
    if (w.binary) {
      const buf = Buffer.alloc(a.data.length * 8);
      for (let i = 0; i < a.data.length; i++) buf.writeDoubleLE(a.data[i] as number, i * 8);
      chunks.push(buf);
      outputs.push({
        name: a.name,
        datatype: 'FP64',
        shape: a.shape,
        parameters: { ...a.parameters, binary_data_size: buf.length },
      });
    } else {
      outputs.push({
        name: a.name,
        datatype: 'FP64',
        shape: a.shape,
        ...(a.parameters ? { parameters: a.parameters } : {}),
        data: Array.from(a.data),
      });
    }
  }
  const json = Buffer.from(
    JSON.stringify({ ...head, ...(req.id === undefined ? {} : { id: req.id }), outputs }),
  );
  if (chunks.length === 0) return { body: json, contentType: 'application/json' };
  return {
    body: Buffer.concat([json, ...chunks]),
    contentType: 'application/octet-stream',
    headerLength: json.length,
  };
}
