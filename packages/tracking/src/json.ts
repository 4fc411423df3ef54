/** JSON numbers that do not fit a double exactly come back as bigint (MLflow sends int64 as JSON numbers). */
export function parseJson(text: string): unknown {
  const reviver = (_key: string, value: unknown, context?: { source?: string }) => {
    if (
      typeof value === 'number' &&
      !Number.isSafeInteger(value) &&
      context?.source !== undefined &&
      /^-?\d+$/.test(context.source)
    )
      return BigInt(context.source);
    return value;
  };
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
}

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** bigint goes out as a bare JSON integer; non-finite doubles as the protobuf JSON strings. */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return rawJSON(v.toString());
    if (typeof v === 'number' && !Number.isFinite(v))
      return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    return v;
  });
}
