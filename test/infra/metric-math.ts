/**
 * A checker for CloudWatch metric math, strict where AWS's documentation is
 * and no looser: an expression that uses a function, an argument form or an
 * arity the documentation does not list is rejected, even if CloudWatch might
 * happen to accept it today.
 *
 * Source of the grammar and the function list, "Using math expressions with
 * CloudWatch metrics" (Using metric math):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
 * and for SEARCH, "CloudWatch search expression syntax":
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html
 *
 * Types follow the documentation's abbreviations: S (scalar), TS (time
 * series), TS[] (array of time series). LAMBDA and DB_PERF_INSIGHTS, which
 * other pages describe as data-source functions, are left out on purpose: the
 * stack uses neither and this file does not model their arguments.
 */

/** S, TS or TS[], as in the documentation's tables. */
export type MathType = 'S' | 'TS' | 'TS[]';

/** An expression (or a set of queries) that CloudWatch's documented grammar does not allow. */
export class MetricMathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricMathError';
  }
}

/** The ids an expression may use. */
export interface MathContext {
  /** Ids of plain metrics (MetricStat), each a TS. */
  readonly metricIds: ReadonlySet<string>;
  /** Ids of other expressions, with the type each evaluates to. */
  readonly expressionIds?: ReadonlyMap<string, MathType>;
}

/** Facts about a checked expression. */
export interface CheckedExpression {
  readonly type: MathType;
  /** Every function called, in upper case. */
  readonly functions: ReadonlySet<string>;
  /** Every id used. */
  readonly ids: ReadonlySet<string>;
}

// ---------------------------------------------------------------- functions

/**
 * A parameter: accepted types and keywords separated by `|`, optional when it
 * ends with `?`. STR is a quoted string; an upper-case word is a bare keyword.
 */
type Param = string;
interface Signature {
  readonly params: readonly Param[];
  readonly returns: MathType;
}

const sig = (returns: MathType, ...params: Param[]): Signature => ({ params, returns });
/** Functions of one TS or TS[] returning the same shape (ABS, CEIL, ...). */
const elementwise = [sig('TS', 'TS'), sig('TS[]', 'TS[]')];
/** Functions that reduce one TS to S, and an array to one TS (AVG, MAX, ...). */
const reducing = [sig('S', 'TS'), sig('TS', 'TS[]')];

/**
 * Every function in the table "Functions supported for metric math" of
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html,
 * with the argument forms of its "Arguments" column. IF and SEARCH have their
 * own rules below (sections "Using IF expressions" and the search syntax page).
 */
export const METRIC_MATH_FUNCTIONS: Readonly<Record<string, readonly Signature[]>> = {
  ABS: elementwise,
  ANOMALY_DETECTION_BAND: [sig('TS[]', 'TS'), sig('TS[]', 'TS', 'S')],
  AVG: reducing,
  CEIL: elementwise,
  DATAPOINT_COUNT: reducing,
  DIFF: elementwise,
  DIFF_TIME: elementwise,
  FILL: [sig('TS', 'TS', 'S|REPEAT|LINEAR'), sig('TS[]', 'TS[]', 'TS|S|REPEAT|LINEAR')],
  FIRST: [sig('TS', 'TS[]')],
  LAST: [sig('TS', 'TS[]')],
  FLOOR: elementwise,
  IF: [], // see checkIf
  INSIGHT_RULE_METRIC: [sig('TS', 'STR', 'STR')],
  LOG: elementwise,
  LOG10: elementwise,
  MAX: reducing,
  METRIC_COUNT: [sig('S', 'TS[]')],
  METRICS: [sig('TS[]'), sig('TS[]', 'STR')],
  MIN: reducing,
  MINUTE: [sig('TS', 'TS')],
  HOUR: [sig('TS', 'TS')],
  DAY: [sig('TS', 'TS')],
  DATE: [sig('TS', 'TS')],
  MONTH: [sig('TS', 'TS')],
  YEAR: [sig('TS', 'TS')],
  EPOCH: [sig('TS', 'TS')],
  PERIOD: [sig('S', 'TS')],
  RATE: elementwise,
  REMOVE_EMPTY: [sig('TS[]', 'TS[]')],
  RUNNING_SUM: elementwise,
  SEARCH: [sig('TS[]', 'STR', 'STR', 'S')], // and see checkSearch
  SERVICE_QUOTA: [sig('TS', 'TS')],
  SLICE: [sig('TS[]', 'TS[]', 'S'), sig('TS[]', 'TS[]', 'S', 'S')],
  SORT: [sig('TS[]', 'TS[]', 'AVG|MIN|MAX|SUM', 'ASC|DESC', 'S?')],
  STDDEV: reducing,
  SUM: reducing,
  TIME_SERIES: [sig('TS', 'S')],
};

/** PERIOD: "Valid input is metrics, not the results of other expressions". */
const METRIC_ID_ARGUMENT = new Set(['PERIOD']);
/** ANOMALY_DETECTION_BAND: "The first is the ID of the metric" (or, since anomaly detection on metric math, of an expression). */
const ID_ARGUMENT = new Set(['ANOMALY_DETECTION_BAND']);
/** Parameter words that name types rather than keywords. */
const TYPE_NAMES = new Set(['S', 'TS', 'TS[]', 'STR']);

// ---------------------------------------------------------------- tokens

type TokenKind = 'num' | 'str' | 'id' | 'upper' | 'op' | 'end';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
}

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '^',
  '(',
  ')',
  '[',
  ']',
  ',',
];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string): never => {
    throw new MetricMathError(`${message} at position ${i} of ${JSON.stringify(source)}`);
  };
  while (i < source.length) {
    const c = source.charAt(i);
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const start = i;
    if (/[0-9.]/.test(c)) {
      const m = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(i));
      if (!m) fail(`malformed number`);
      i += m?.[0].length ?? 0;
      tokens.push({ kind: 'num', text: source.slice(start, i), pos: start });
      continue;
    }
    if (c === "'" || c === '"') {
      i += 1;
      while (i < source.length && source.charAt(i) !== c) i += source.charAt(i) === '\\' ? 2 : 1;
      if (i >= source.length) fail('unterminated string');
      i += 1;
      tokens.push({ kind: 'str', text: source.slice(start, i), pos: start });
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < source.length && /[A-Za-z0-9_]/.test(source.charAt(i))) i += 1;
      const word = source.slice(start, i);
      if (/^[A-Z][A-Z0-9_]*$/.test(word)) tokens.push({ kind: 'upper', text: word, pos: start });
      else if (/^[a-z][A-Za-z0-9_]*$/.test(word)) tokens.push({ kind: 'id', text: word, pos: start });
      else
        fail(
          `"${word}" is neither a metric id (letters, digits and _, starting with a lowercase letter) nor a function (upper case)`,
        );
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op === undefined) fail(`unexpected character ${JSON.stringify(c)}`);
    i += op?.length ?? 1;
    tokens.push({ kind: 'op', text: op ?? c, pos: start });
  }
  tokens.push({ kind: 'end', text: '', pos: source.length });
  return tokens;
}

// ---------------------------------------------------------------- syntax tree

type Node =
  | { readonly kind: 'num'; readonly value: number; readonly text: string }
  | { readonly kind: 'str'; readonly value: string; readonly quote: string }
  | { readonly kind: 'id'; readonly name: string }
  | { readonly kind: 'keyword'; readonly name: string }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[] }
  | { readonly kind: 'array'; readonly items: readonly Node[] }
  | { readonly kind: 'neg'; readonly operand: Node }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Node; readonly right: Node };

const COMPARISON = ['==', '!=', '<=', '>=', '<', '>'];
const LOGICAL = ['AND', 'OR', '&&', '||'];

/** Recursive descent, loosest binding first: OR, AND, comparison, + -, * /, ^, unary -. */
class Parser {
  private at = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.at] ?? { kind: 'end', text: '', pos: this.source.length };
  }
  private next(): Token {
    const t = this.peek();
    this.at += 1;
    return t;
  }
  private fail(message: string, token = this.peek()): never {
    throw new MetricMathError(`${message} at position ${token.pos} of ${JSON.stringify(this.source)}`);
  }
  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text)
      this.fail(`expected "${text}" but found ${t.kind === 'end' ? 'the end' : `"${t.text}"`}`, t);
  }
  private isOp(...texts: string[]): boolean {
    const t = this.peek();
    return (t.kind === 'op' || t.kind === 'upper') && texts.includes(t.text);
  }

  parse(): Node {
    if (this.peek().kind === 'end') this.fail('empty expression');
    const node = this.or();
    if (this.peek().kind !== 'end') this.fail(`unexpected "${this.peek().text}"`);
    return node;
  }
  private or(): Node {
    let left = this.and();
    while (this.isOp('OR', '||')) {
      const op = this.next().text;
      left = { kind: 'binary', op, left, right: this.and() };
    }
    return left;
  }
  private and(): Node {
    let left = this.comparison();
    while (this.isOp('AND', '&&')) {
      const op = this.next().text;
      left = { kind: 'binary', op, left, right: this.comparison() };
    }
    return left;
  }
  private comparison(): Node {
    const left = this.additive();
    if (this.isOp(...COMPARISON)) {
      const op = this.next().text;
      const right = this.additive();
      if (this.isOp(...COMPARISON)) this.fail('comparisons do not chain: use AND');
      return { kind: 'binary', op, left, right };
    }
    return left;
  }
  private additive(): Node {
    let left = this.multiplicative();
    while (this.isOp('+', '-')) {
      const op = this.next().text;
      left = { kind: 'binary', op, left, right: this.multiplicative() };
    }
    return left;
  }
  private multiplicative(): Node {
    let left = this.power();
    while (this.isOp('*', '/')) {
      const op = this.next().text;
      left = { kind: 'binary', op, left, right: this.power() };
    }
    return left;
  }
  private power(): Node {
    const left = this.unary();
    if (this.isOp('^')) {
      this.next();
      return { kind: 'binary', op: '^', left, right: this.power() };
    }
    return left;
  }
  private unary(): Node {
    if (this.isOp('-')) {
      this.next();
      return { kind: 'neg', operand: this.unary() };
    }
    return this.primary();
  }
  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'num':
        return { kind: 'num', value: Number(t.text), text: t.text };
      case 'str':
        return { kind: 'str', value: unquote(t.text), quote: t.text.charAt(0) };
      case 'id':
        if (this.isOp('('))
          this.fail(
            `"${t.text}" is not a function: functions are written in upper case (${t.text.toUpperCase()})`,
            t,
          );
        return { kind: 'id', name: t.text };
      case 'upper': {
        if (LOGICAL.includes(t.text)) this.fail(`"${t.text}" needs an operand on its left`, t);
        if (!this.isOp('(')) return { kind: 'keyword', name: t.text };
        if (!(t.text in METRIC_MATH_FUNCTIONS))
          this.fail(`${t.text} is not a function of CloudWatch metric math (see using-metric-math.html)`, t);
        this.next();
        const args: Node[] = [];
        if (!this.isOp(')')) {
          args.push(this.or());
          while (this.isOp(',')) {
            this.next();
            args.push(this.or());
          }
        }
        this.expect(')');
        return { kind: 'call', name: t.text, args };
      }
      case 'op':
        if (t.text === '(') {
          const inner = this.or();
          this.expect(')');
          return inner;
        }
        if (t.text === '[') {
          const items: Node[] = [];
          if (this.isOp(']')) this.fail('empty array', t);
          items.push(this.or());
          while (this.isOp(',')) {
            this.next();
            items.push(this.or());
          }
          this.expect(']');
          return { kind: 'array', items };
        }
        return this.fail(`unexpected "${t.text}"`, t);
      default:
        return this.fail('unexpected end of expression', t);
    }
  }
}

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, '$1');
}

// ---------------------------------------------------------------- types

/** What a node is: a math type, a string, or a bare keyword. */
type Kind = MathType | 'STR' | `KW:${string}`;

const describe = (node: Node): string => {
  switch (node.kind) {
    case 'num':
      return `the number ${node.text}`;
    case 'str':
      return `the string ${JSON.stringify(node.value)}`;
    case 'id':
      return `"${node.name}"`;
    case 'keyword':
      return `the word ${node.name}`;
    case 'call':
      return `${node.name}(...)`;
    case 'array':
      return 'an array';
    default:
      return 'an expression';
  }
};

class Checker {
  readonly functions = new Set<string>();
  readonly ids = new Set<string>();
  constructor(
    private readonly ctx: MathContext,
    private readonly source: string,
  ) {}

  private fail(message: string): never {
    throw new MetricMathError(`${message} in ${JSON.stringify(this.source)}`);
  }

  /** The type of `node`; strings and keywords only where a function's parameter allows them. */
  kindOf(node: Node): Kind {
    switch (node.kind) {
      case 'num':
        return 'S';
      case 'str':
        return 'STR';
      case 'keyword':
        return `KW:${node.name}`;
      case 'id': {
        this.ids.add(node.name);
        if (this.ctx.metricIds.has(node.name)) return 'TS';
        const type = this.ctx.expressionIds?.get(node.name);
        if (type === undefined)
          this.fail(`"${node.name}" is not the id of a metric or expression of the same query`);
        return type;
      }
      case 'neg': {
        const t = this.math(node.operand, 'unary -');
        return t;
      }
      case 'array':
        for (const item of node.items) {
          const t = this.kindOf(item);
          if (t !== 'TS' && t !== 'TS[]')
            this.fail(
              `an array [...] may hold only time series (metric ids or expressions that are time series), not ${describe(item)} (${t})`,
            );
        }
        return 'TS[]';
      case 'binary':
        return this.binary(node.op, node.left, node.right);
      case 'call':
        return this.call(node.name, node.args);
    }
  }

  private math(node: Node, where: string): MathType {
    const t = this.kindOf(node);
    if (t === 'S' || t === 'TS' || t === 'TS[]') return t;
    return this.fail(`${describe(node)} cannot be an operand of ${where}`);
  }

  private binary(op: string, leftNode: Node, rightNode: Node): MathType {
    const left = this.math(leftNode, op);
    const right = this.math(rightNode, op);
    if (COMPARISON.includes(op) || LOGICAL.includes(op)) {
      // "with either a pair of time series or a pair of single scalar values", and TS with S
      // as in the documentation's examples (metric1 >= 30).
      if (left === 'TS[]' || right === 'TS[]') this.fail(`${op} compares time series or scalars, not arrays`);
      return left === 'TS' || right === 'TS' ? 'TS' : 'S';
    }
    // + - * / ^: S S, S TS, TS TS, TS S, TS[] TS, TS TS[], and TS[] with S (METRICS()*100).
    if (left === 'TS[]' && right === 'TS[]')
      this.fail(`${op} between two arrays of time series is not documented`);
    if (left === 'TS[]' || right === 'TS[]') return 'TS[]';
    return left === 'TS' || right === 'TS' ? 'TS' : 'S';
  }

  private call(name: string, args: readonly Node[]): MathType {
    this.functions.add(name);
    if (name === 'IF') return this.checkIf(args);
    const signatures = METRIC_MATH_FUNCTIONS[name] ?? [];
    const kinds = args.map((a) => this.kindOf(a));
    const match = signatures.find((s) => accepts(s, kinds));
    if (!match) {
      const forms = signatures.map((s) => `(${s.params.join(', ')})`).join(' or ');
      this.fail(`${name} takes ${forms}, not (${kinds.map(show).join(', ')})`);
    }
    const first = args[0];
    if (METRIC_ID_ARGUMENT.has(name) && (first?.kind !== 'id' || !this.ctx.metricIds.has(first.name)))
      this.fail(
        `the argument of ${name} must be the id of a metric, not ${first ? describe(first) : 'nothing'}`,
      );
    if (ID_ARGUMENT.has(name) && first?.kind !== 'id')
      this.fail(`the first argument of ${name} must be an id, not ${first ? describe(first) : 'nothing'}`);
    if (name === 'SEARCH') this.checkSearch(args);
    if (name === 'SLICE' || name === 'SORT') {
      for (const a of args.slice(name === 'SORT' ? 3 : 1)) {
        if (a.kind !== 'num' || !Number.isInteger(a.value) || a.value < 0)
          this.fail(`${name} takes whole numbers as its limits, not ${describe(a)}`);
      }
    }
    return match.returns;
  }

  /**
   * IF(condition, trueValue[, falseValue]) in the documented forms:
   * IF(TS op S, S|TS, S|TS), IF(TS, TS, TS), IF(TS, S, TS), IF(TS, TS, S),
   * IF(TS, S, S), IF(S, TS, TS); the last argument may be omitted. Always a TS.
   */
  private checkIf(args: readonly Node[]): MathType {
    const [condition, whenTrue, whenFalse, ...rest] = args;
    if (!condition || !whenTrue || rest.length > 0)
      this.fail(
        `IF takes (condition, trueValue) or (condition, trueValue, falseValue), not ${args.length} arguments`,
      );
    const c = this.math(condition, 'IF');
    const values = [whenTrue, whenFalse]
      .filter((v): v is Node => v !== undefined)
      .map((v) => this.math(v, 'IF'));
    if (c === 'TS[]') this.fail('the condition of IF must be a time series or a scalar, not an array');
    for (const v of values) {
      if (v === 'TS[]') this.fail('IF returns one time series: its values cannot be arrays');
      if (c === 'S' && v !== 'TS') this.fail('IF with a scalar condition takes time series as its values');
    }
    return 'TS';
  }

  /** SEARCH(' {Namespace, Dim, ...} SearchTerm', 'Statistic', Period) */
  private checkSearch(args: readonly Node[]): void {
    const [query, statistic, period] = args;
    if (query?.kind !== 'str' || statistic?.kind !== 'str' || period?.kind !== 'num')
      this.fail('SEARCH takes a query string, a statistic string and a period in seconds');
    if (query.quote !== "'" || statistic.quote !== "'")
      this.fail('SEARCH takes its query and statistic in single quotes');
    const problem = searchQueryProblem(query.value);
    if (problem) this.fail(`SEARCH query ${JSON.stringify(query.value)}: ${problem}`);
    if (!isStatistic(statistic.value))
      this.fail(`SEARCH statistic "${statistic.value}" is not a CloudWatch statistic`);
    if (!isPeriod(period.value))
      this.fail(`SEARCH period ${period.text} must be 1, 5, 10, 20, 30, 60 or a multiple of 60 seconds`);
  }
}

const show = (k: Kind): string => (k.startsWith('KW:') ? k.slice(3) : k);

function accepts(signature: Signature, kinds: readonly Kind[]): boolean {
  const required = signature.params.filter((p) => !p.endsWith('?')).length;
  if (kinds.length < required || kinds.length > signature.params.length) return false;
  return kinds.every((k, i) => {
    const alternatives = (signature.params[i] ?? '').replace(/\?$/, '').split('|');
    // A bare word matches a keyword of the parameter, never a type name (a bare TS is no time series).
    if (k.startsWith('KW:')) return !TYPE_NAMES.has(show(k)) && alternatives.includes(show(k));
    return alternatives.includes(k);
  });
}

/** Basic statistics and the percentile-style extended ones. */
function isStatistic(s: string): boolean {
  return (
    ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum', 'IQM'].includes(s) ||
    /^(p|tm|wm|tc|ts)(100|\d{1,2}(\.\d+)?)$/.test(s)
  );
}

function isPeriod(n: number): boolean {
  return Number.isInteger(n) && n > 0 && ([1, 5, 10, 20, 30].includes(n) || n % 60 === 0);
}

/**
 * Why a SEARCH query string is malformed, or undefined. Checks the parts the
 * syntax page defines: an optional schema `{Namespace, DimensionName, ...}`
 * first, a search term (exact matches in double quotes, designators such as
 * MetricName=..., AND/OR/NOT, parentheses), at least one of the two.
 */
export function searchQueryProblem(query: string): string | undefined {
  let rest = query.trim();
  let hasSchema = false;
  if (rest.startsWith('{')) {
    const close = closingBrace(rest);
    if (close < 0) return 'the metric schema has no closing }';
    const names = splitSchema(rest.slice(1, close));
    if (names.length === 0 || names[0] === '') return 'the metric schema must start with a namespace';
    for (const name of names) {
      if (name === '') return 'the metric schema has an empty name';
      if (!name.startsWith('"') && /[\s{}"]/.test(name))
        return `"${name}" in the metric schema has spaces or special characters: put it in double quotes`;
    }
    hasSchema = true;
    rest = rest.slice(close + 1).trim();
    if (rest.startsWith(',')) rest = rest.slice(1).trim();
  } else if (rest.includes('{') || rest.includes('}')) {
    return 'the metric schema {...} must come first';
  }
  if (!hasSchema && rest === '') return 'a search needs a metric schema, a search term, or both';
  // The term: quoted exact matches (with \" \\ \( \) escapes), words, designators, AND/OR/NOT, ( ).
  const words: string[] = [];
  let depth = 0;
  let i = 0;
  while (i < rest.length) {
    const c = rest.charAt(i);
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      if (depth < 0) return 'unbalanced ) in the search term';
      words.push(c);
      i += 1;
    } else {
      let word = '';
      while (i < rest.length && !/[\s()]/.test(rest.charAt(i))) {
        if (rest.charAt(i) === '"') {
          const start = i;
          i += 1;
          while (i < rest.length && rest.charAt(i) !== '"') i += rest.charAt(i) === '\\' ? 2 : 1;
          if (i >= rest.length) return 'unterminated "exact match" in the search term';
          i += 1;
          word += rest.slice(start, i);
        } else {
          word += rest.charAt(i);
          i += 1;
        }
      }
      if (/^=|=$/.test(word) && !/="/.test(word)) return `"${word}" is a designator without a name or value`;
      words.push(word);
    }
  }
  if (depth !== 0) return 'unbalanced ( in the search term';
  const operators = new Set(['AND', 'OR', 'NOT']);
  for (const [k, w] of words.entries()) {
    const before = words[k - 1];
    const after = words[k + 1];
    if ((w === 'AND' || w === 'OR') && (before === undefined || before === '(' || operators.has(before)))
      return `${w} needs a term on its left`;
    if (operators.has(w) && (after === undefined || after === ')')) return `${w} needs a term on its right`;
  }
  return undefined;
}

function closingBrace(s: string): number {
  let inQuotes = false;
  for (let i = 1; i < s.length; i += 1) {
    const c = s.charAt(i);
    if (c === '\\') i += 1;
    else if (c === '"') inQuotes = !inQuotes;
    else if (c === '}' && !inQuotes) return i;
  }
  return -1;
}

function splitSchema(inner: string): string[] {
  const parts: string[] = [];
  let current = '';
  let inQuotes = false;
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner.charAt(i);
    if (c === '"') inQuotes = !inQuotes;
    if (c === ',' && !inQuotes) {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  parts.push(current.trim());
  return parts;
}

// ---------------------------------------------------------------- entry points

/**
 * Parses and type-checks one metric math expression. Its result must be a
 * time series or an array of them ("The final result of any math expression
 * must be a single time series or an array of time series").
 *
 * @throws {MetricMathError} naming what is wrong and where
 */
export function checkExpression(expression: string, ctx: MathContext): CheckedExpression {
  const tree = new Parser(tokenize(expression), expression).parse();
  const checker = new Checker(ctx, expression);
  const kind = checker.kindOf(tree);
  if (kind !== 'TS' && kind !== 'TS[]')
    throw new MetricMathError(
      `${JSON.stringify(expression)} evaluates to ${show(kind)}: a metric math result must be a time series or an array of time series`,
    );
  return { type: kind, functions: checker.functions, ids: checker.ids };
}

/** One entry of an alarm's `Metrics` or of a dashboard widget's `metrics`. */
export interface MathQuery {
  /** Its id; queries without one cannot be referred to. */
  readonly id?: string;
  /** Set for an expression; a query without it is a plain metric (a TS). */
  readonly expression?: string;
}

/**
 * Checks every expression of one set of queries (an alarm, or one dashboard
 * widget), each against the ids defined in the same set. Expressions may use
 * each other in any order, but not in a cycle. Returns each expression's facts
 * by its position in `queries`.
 *
 * @throws {MetricMathError} on a duplicate id, a cycle, or a bad expression
 */
export function checkQueries(queries: readonly MathQuery[]): Map<number, CheckedExpression> {
  const metricIds = new Set<string>();
  const byId = new Map<string, number>();
  for (const [i, q] of queries.entries()) {
    if (q.id === undefined) continue;
    if (!/^[a-z][A-Za-z0-9_]*$/.test(q.id))
      throw new MetricMathError(`id "${q.id}" must start with a lowercase letter (letters, digits and _)`);
    if (byId.has(q.id)) throw new MetricMathError(`id "${q.id}" is defined twice`);
    byId.set(q.id, i);
    if (q.expression === undefined) metricIds.add(q.id);
  }
  const results = new Map<number, CheckedExpression>();
  const visiting = new Set<number>();
  const visit = (i: number): CheckedExpression => {
    const done = results.get(i);
    if (done) return done;
    const q = queries[i];
    if (q?.expression === undefined) throw new MetricMathError(`query ${i} is not an expression`);
    if (visiting.has(i))
      throw new MetricMathError(`expression "${q.id ?? i}" refers to itself through other expressions`);
    visiting.add(i);
    // The types of the expressions this one uses, checked first.
    const expressionIds = new Map<string, MathType>();
    for (const word of new Set(q.expression.match(/\b[a-z][A-Za-z0-9_]*\b/g) ?? [])) {
      const j = byId.get(word);
      if (j !== undefined && queries[j]?.expression !== undefined && !inQuotes(q.expression, word))
        expressionIds.set(word, visit(j).type);
    }
    const checked = checkExpression(q.expression, { metricIds, expressionIds });
    visiting.delete(i);
    results.set(i, checked);
    return checked;
  };
  for (const [i, q] of queries.entries()) if (q.expression !== undefined) visit(i);
  return results;
}

/** Whether every occurrence of `word` in `expression` is inside a quoted string (e.g. a SEARCH query). */
function inQuotes(expression: string, word: string): boolean {
  const outside = expression.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, ' ');
  return !new RegExp(`\\b${word}\\b`).test(outside);
}
