import { SlipwayError } from '@slipway/core';

/**
 * A small, safe evaluator for Argo-style analysis conditions over `result` (a subset of expr-lang):
 * numbers, `result`, `result[0]`, `+ - * /`, comparisons, `&& || !` (and `and or not`),
 * parentheses, `default(x, y)`, `isNaN(x)`, `abs(x)`. Nothing is evaluated with `eval`.
 */
type Value = number | boolean | number[] | null;

type Token = { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string } | { t: 'end' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      const word = id[0];
      if (word === 'and') out.push({ t: 'op', v: '&&' });
      else if (word === 'or') out.push({ t: 'op', v: '||' });
      else if (word === 'not') out.push({ t: 'op', v: '!' });
      else out.push({ t: 'id', v: word });
      i += word.length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['<=', '>=', '==', '!=', '&&', '||'].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('<>+-*/()[],!'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    throw new Error(`unexpected character "${c}" at ${i}`);
  }
  out.push({ t: 'end' });
  return out;
}

type Node =
  | { k: 'num'; v: number }
  | { k: 'result' }
  | { k: 'index'; of: Node; at: Node }
  | { k: 'unary'; op: string; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'call'; fn: string; args: Node[] };

const FUNCTIONS = new Set(['default', 'isNaN', 'abs', 'len']);

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.or();
    if (this.peek().t !== 'end') throw new Error('unexpected text after the expression');
    return node;
  }
  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw new Error(`expected "${v}"`);
    this.pos++;
  }
  private or(): Node {
    let a = this.and();
    while (this.isOp('||')) {
      this.pos++;
      a = { k: 'bin', op: '||', a, b: this.and() };
    }
    return a;
  }
  private and(): Node {
    let a = this.cmp();
    while (this.isOp('&&')) {
      this.pos++;
      a = { k: 'bin', op: '&&', a, b: this.cmp() };
    }
    return a;
  }
  private cmp(): Node {
    const a = this.add();
    for (const op of ['<=', '>=', '==', '!=', '<', '>']) {
      if (this.isOp(op)) {
        this.pos++;
        return { k: 'bin', op, a, b: this.add() };
      }
    }
    return a;
  }
  private add(): Node {
    let a = this.mul();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.tokens[this.pos++] as { v: string }).v;
      a = { k: 'bin', op, a, b: this.mul() };
    }
    return a;
  }
  private mul(): Node {
    let a = this.unary();
    while (this.isOp('*') || this.isOp('/')) {
      const op = (this.tokens[this.pos++] as { v: string }).v;
      a = { k: 'bin', op, a, b: this.unary() };
    }
    return a;
  }
  private unary(): Node {
    if (this.isOp('!') || this.isOp('-')) {
      const op = (this.tokens[this.pos++] as { v: string }).v;
      return { k: 'unary', op, a: this.unary() };
    }
    return this.postfix();
  }
  private postfix(): Node {
    let a = this.primary();
    while (this.isOp('[')) {
      this.pos++;
      const at = this.or();
      this.expect(']');
      a = { k: 'index', of: a, at };
    }
    return a;
  }
  private primary(): Node {
    const t = this.peek();
    if (t.t === 'num') {
      this.pos++;
      return { k: 'num', v: t.v };
    }
    if (t.t === 'id') {
      this.pos++;
      if (t.v === 'result') return { k: 'result' };
      if (FUNCTIONS.has(t.v) && this.isOp('(')) {
        this.pos++;
        const args: Node[] = [];
        if (!this.isOp(')')) {
          args.push(this.or());
          while (this.isOp(',')) {
            this.pos++;
            args.push(this.or());
          }
        }
        this.expect(')');
        return { k: 'call', fn: t.v, args };
      }
      throw new Error(`unknown name "${t.v}" (only "result" and ${[...FUNCTIONS].join(', ')} are known)`);
    }
    if (this.isOp('(')) {
      this.pos++;
      const n = this.or();
      this.expect(')');
      return n;
    }
    throw new Error('expected a number, "result" or "("');
  }
}

export interface CompiledCondition {
  source: string;
  /** Throws when the expression cannot be evaluated (a measurement error, as in Argo). */
  evaluate(result: number | number[] | null): boolean;
}

function num(v: Value, what: string): number {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 1) return v[0] as number;
  throw new Error(`${what} is ${v === null ? 'nil' : JSON.stringify(v)}, not a number`);
}

function run(n: Node, result: Value): Value {
  switch (n.k) {
    case 'num':
      return n.v;
    case 'result':
      return result;
    case 'index': {
      const of = run(n.of, result);
      const at = num(run(n.at, result), 'index');
      if (!Array.isArray(of)) {
        if (at === 0 && typeof of === 'number') return of;
        throw new Error('result is not a list');
      }
      if (at < 0 || at >= of.length) throw new Error(`index ${at} out of range (length ${of.length})`);
      return of[at] as number;
    }
    case 'unary': {
      const a = run(n.a, result);
      return n.op === '!' ? !a : -num(a, 'operand');
    }
    case 'call': {
      const args = n.args.map((a) => run(a, result));
      if (n.fn === 'default') {
        if (args.length !== 2) throw new Error('default(x, y) takes two arguments');
        const x = args[0] as Value;
        return x === null || (typeof x === 'number' && Number.isNaN(x)) ? (args[1] as Value) : x;
      }
      if (n.fn === 'isNaN') return Number.isNaN(num(args[0] ?? null, 'isNaN argument'));
      if (n.fn === 'abs') return Math.abs(num(args[0] ?? null, 'abs argument'));
      const a0 = args[0] ?? null;
      return Array.isArray(a0) ? a0.length : a0 === null ? 0 : 1;
    }
    case 'bin': {
      if (n.op === '&&') return Boolean(run(n.a, result)) && Boolean(run(n.b, result));
      if (n.op === '||') return Boolean(run(n.a, result)) || Boolean(run(n.b, result));
      const a = num(run(n.a, result), 'left side');
      const b = num(run(n.b, result), 'right side');
      if (Number.isNaN(a) || Number.isNaN(b)) throw new Error('the measurement has no value (NaN)');
      switch (n.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '<':
          return a < b;
        case '<=':
          return a <= b;
        case '>':
          return a > b;
        case '>=':
          return a >= b;
        case '==':
          return a === b;
        default:
          return a !== b;
      }
    }
  }
}

/** Parses once (config errors surface at start-up); evaluation errors become measurement errors. */
export function compileCondition(source: string, field = 'condition'): CompiledCondition {
  let ast: Node;
  try {
    ast = new Parser(tokenize(source)).parse();
  } catch (err) {
    throw new SlipwayError('BAD_CONDITION', `${field}: cannot parse "${source}": ${(err as Error).message}`, {
      hint: 'write an expression over result, e.g. "result < 0.01" or "result[0] >= 0.95 && result[0] < 1"',
    });
  }
  return {
    source,
    evaluate(result) {
      const value = run(ast, result);
      if (typeof value !== 'boolean')
        throw new Error(`"${source}" gives ${JSON.stringify(value)}, not true/false`);
      return value;
    },
  };
}
