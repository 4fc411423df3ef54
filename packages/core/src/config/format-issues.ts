import type { z } from 'zod';
import { didYouMean } from '../suggest.js';

export interface ConfigProblem {
  /** Dotted field path, e.g. `eval.gates.auc.threshold`. */
  path: string;
  message: string;
  fix: string;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)} (a string)`;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `${value} (a number)`;
  if (typeof value === 'boolean') return `${value} (a boolean)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema as
    | { _zod?: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType; schema?: z.ZodType } } }
    | undefined;
  for (let i = 0; i < 10 && s?._zod; i++) {
    const def = s._zod.def;
    if (def.innerType) s = def.innerType as typeof s;
    else if (def.type === 'pipe' && def.in) s = def.in as typeof s;
    else break;
  }
  return s as z.ZodType | undefined;
}

/** Keys an object schema accepts at `path`, for "did you mean" suggestions. */
function keysAt(root: z.ZodType, path: readonly PropertyKey[], config: unknown): string[] {
  let schema = unwrap(root);
  let value = config;
  for (const part of path) {
    const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })?._zod?.def;
    value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[part] : undefined;
    if (!def) return [];
    if (def.type === 'object') schema = unwrap((def.shape as Record<string, z.ZodType>)[String(part)]);
    else if (def.type === 'array') schema = unwrap(def.element as z.ZodType);
    else if (def.type === 'record') schema = unwrap(def.valueType as z.ZodType);
    else if (def.type === 'union') {
      const options = def.options as z.ZodType[];
      const disc = (def as { discriminator?: string }).discriminator;
      const picked = options.find((o) => {
        const shape = (unwrap(o) as unknown as { _zod: { def: { shape?: Record<string, z.ZodType> } } })._zod
          .def.shape;
        if (!shape) return false;
        if (disc && value && typeof value === 'object') {
          const lit = (shape[disc] as unknown as { _zod: { def: { values?: unknown[] } } })?._zod.def.values;
          return lit?.includes((value as Record<string, unknown>)[disc]);
        }
        return String(part) in shape;
      });
      schema = picked
        ? unwrap(
            (unwrap(picked) as unknown as { _zod: { def: { shape: Record<string, z.ZodType> } } })._zod.def
              .shape[String(part)],
          )
        : undefined;
    } else return [];
  }
  const def = (unwrap(schema) as unknown as { _zod?: { def: Record<string, unknown> } })?._zod?.def;
  if (def?.type === 'object') return Object.keys(def.shape as object);
  if (def?.type === 'union') {
    const disc = (def as { discriminator?: string }).discriminator;
    const options = def.options as z.ZodType[];
    const matching = options.filter((o) => {
      const shape = (unwrap(o) as unknown as { _zod: { def: { shape?: Record<string, z.ZodType> } } })._zod
        .def.shape;
      if (!shape || !disc || !value || typeof value !== 'object') return Boolean(shape);
      const lit = (shape[disc] as unknown as { _zod: { def: { values?: unknown[] } } })?._zod.def.values;
      return lit?.includes((value as Record<string, unknown>)[disc]);
    });
    return [
      ...new Set(
        matching.flatMap((o) =>
          Object.keys((unwrap(o) as unknown as { _zod: { def: { shape?: object } } })._zod.def.shape ?? {}),
        ),
      ),
    ];
  }
  return [];
}

/** The literal values a discriminated union at `path` accepts for `key`. */
function discriminatorValues(root: z.ZodType, path: readonly PropertyKey[], key: string): string[] {
  let schema = unwrap(root) as unknown as { _zod: { def: Record<string, unknown> } } | undefined;
  for (const part of path) {
    const def = schema?._zod.def;
    if (!def) return [];
    const next =
      def.type === 'object'
        ? (def.shape as Record<string, z.ZodType>)[String(part)]
        : def.type === 'array'
          ? (def.element as z.ZodType)
          : def.type === 'record'
            ? (def.valueType as z.ZodType)
            : undefined;
    schema = unwrap(next) as typeof schema;
  }
  const options = (schema?._zod.def.options as z.ZodType[] | undefined) ?? [];
  return options.flatMap((o) => {
    const shape = (
      unwrap(o) as unknown as {
        _zod: { def: { shape?: Record<string, { _zod: { def: { values?: unknown[] } } }> } };
      }
    )._zod.def.shape;
    return (shape?.[key]?._zod.def.values ?? []).map(String);
  });
}

function valueAt(config: unknown, path: readonly PropertyKey[]): unknown {
  let v = config;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** Turns zod issues into problems that each name the field, the value seen and the fix. */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
  config: unknown,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    const input = 'input' in issue ? issue.input : valueAt(config, issue.path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysAt(schema, issue.path, config);
        for (const key of issue.keys) {
          const field = formatPath([...issue.path, key]);
          problems.push({
            path: field,
            message: `unknown key "${key}"${didYouMean(key, allowed)}`,
            fix: allowed.length ? `remove it or use one of: ${allowed.join(', ')}` : 'remove it',
          });
        }
        break;
      }
      case 'invalid_type': {
        const expected = issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
        problems.push({
          path,
          message: `expected ${expected}, got ${describeValue(input)}`,
          fix:
            input === undefined
              ? `add the required field ${path}`
              : typeof input === 'string' && issue.expected === 'number' && !Number.isNaN(Number(input))
                ? `write ${input} without quotes`
                : `change it to ${expected}`,
        });
        break;
      }
      case 'too_small':
      case 'too_big': {
        const fieldSchema = issue.origin;
        if (fieldSchema === 'number' || fieldSchema === 'int' || fieldSchema === 'bigint') {
          const bound = `${issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<'} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}`;
          problems.push({
            path,
            message: `expected a number ${bound}, got ${describeValue(input)}`,
            fix: `use a value ${bound}`,
          });
        } else {
          const n = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
          problems.push({
            path,
            message: `${issue.code === 'too_small' ? 'needs at least' : 'allows at most'} ${n} ${fieldSchema === 'string' ? 'characters' : 'entries'}, got ${describeValue(input)}`,
            fix:
              issue.code === 'too_small'
                ? `add entries or text (at least ${n})`
                : `shorten it to at most ${n}`,
          });
        }
        break;
      }
      case 'invalid_value': {
        const options = issue.values.map((v) => JSON.stringify(v));
        problems.push({
          path,
          message: `expected one of ${options.join(', ')}, got ${describeValue(input)}${typeof input === 'string' ? didYouMean(input, issue.values.map(String)) : ''}`,
          fix: `use one of: ${options.join(', ')}`,
        });
        break;
      }
      case 'invalid_union': {
        const d = (issue as { discriminator?: string }).discriminator;
        if (d) {
          // zod points the issue at the discriminator field itself.
          const at = issue.path[issue.path.length - 1] === d ? issue.path.slice(0, -1) : issue.path;
          const kinds = discriminatorValues(schema, at, d);
          const seen = (valueAt(config, at) as Record<string, unknown> | undefined)?.[d];
          problems.push({
            path: formatPath([...at, d]),
            message:
              seen === undefined
                ? `missing "${d}"`
                : `unknown ${d} ${describeValue(seen)}${typeof seen === 'string' ? didYouMean(seen, kinds) : ''}`,
            fix: `use one of: ${kinds.join(', ')}`,
          });
          break;
        }
        const disc =
          (issue as { note?: string }).note === 'No matching discriminator'
            ? ` (unknown kind ${describeValue(input && typeof input === 'object' ? (input as Record<string, unknown>).transform : input)})`
            : '';
        problems.push({
          path,
          message: `does not match any accepted shape${disc}, got ${describeValue(input)}`,
          fix: 'see docs/config.md for the accepted forms of this field',
        });
        break;
      }
      case 'custom': {
        const fix = (issue.params as { fix?: string } | undefined)?.fix ?? 'see docs/config.md';
        problems.push({ path, message: issue.message, fix });
        break;
      }
      default:
        problems.push({
          path,
          message: `${issue.message}, got ${describeValue(input)}`,
          fix: 'see docs/config.md',
        });
    }
  }
  return problems;
}

export function renderProblems(file: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}\n    fix: ${p.fix}`);
  return `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}
