// The runs table's filter box: either free text (every word must appear in the run's name, id,
// status, source, params or tags) or simple expressions like
//   metrics.accuracy > 0.9 and params.lr = 0.1
//   params.optimizer ~ adam or status = failed
// Fields: metrics.<key> (latest value, numeric), params.<key>, tags.<key>, name, status, source, id
// (also attributes.<name>). Keys with spaces or odd characters go in backticks: metrics.`val loss`.
// Operators: = (or ==), !=, <, <=, >, >=, ~ (contains, case-insensitive). Values: numbers,
// NaN / Infinity / -Infinity, 'quoted' or "quoted" strings, or bare words. `and` binds tighter
// than `or`; no parentheses. A run without the field never matches.
import { fromWire, type WireNumber } from "@/lib/metric-values";

export interface FilterableRun {
  id: string;
  name: string;
  status: string;
  source: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, { latest: WireNumber }>;
}

export type RunFilter =
  | { ok: true; kind: "empty" | "text" | "expression"; test: (run: FilterableRun) => boolean }
  | { ok: false; error: string; column: number };

export const filterHelp = [
  "Free text: every word must appear in the run's name, id, status, source, params or tags.",
  "Expressions: metrics.accuracy > 0.9 and params.lr = 0.1",
  "Fields: metrics.<key> (latest value), params.<key>, tags.<key>, name, status, source, id",
  "Operators: = != < <= > >= and ~ (contains); join clauses with and / or",
  "Values: numbers, NaN, Infinity, 'quoted text' or bare words; keys with spaces in `backticks`",
];

type Op = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~";
type Field = { kind: "metrics" | "params" | "tags"; key: string } | { kind: "attr"; key: "name" | "status" | "source" | "id" };
interface Clause {
  field: Field;
  op: Op;
  value: string;
  number: number | null;
}

class ParseError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

const ATTRS = ["name", "status", "source", "id"] as const;
const looksLikeExpression = (s: string) =>
  /^\s*(metrics|params|tags|attributes)\./i.test(s) || /[<>=!~]/.test(s) || /(^|\s)(metrics|params|tags)\.\S/i.test(s);

function parseNumber(text: string): number | null {
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^\+?(inf|infinity)$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-(inf|infinity)$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return null;
  return Number(text);
}

class Parser {
  pos = 0;
  constructor(readonly s: string) {}

  skip() {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }
  done() {
    this.skip();
    return this.pos >= this.s.length;
  }
  fail(message: string, at = this.pos): never {
    throw new ParseError(message, at + 1);
  }

  /** A quoted string ('…', "…" or `…`) starting at pos, or null. */
  quoted(): string | null {
    const q = this.s[this.pos];
    if (q !== "'" && q !== '"' && q !== "`") return null;
    const start = this.pos;
    const end = this.s.indexOf(q, this.pos + 1);
    if (end < 0) this.fail(`Unclosed ${q}: add the closing ${q}`, start);
    this.pos = end + 1;
    return this.s.slice(start + 1, end);
  }

  field(): Field {
    this.skip();
    const start = this.pos;
    const m = /^([A-Za-z_]+)(\.)?/.exec(this.s.slice(this.pos));
    if (!m) this.fail(`Expected a field like metrics.accuracy, params.lr or status`);
    const head = m[1].toLowerCase();
    this.pos += m[0].length;
    if (m[2] && (head === "metrics" || head === "params" || head === "tags" || head === "metric" || head === "param" || head === "tag" || head === "attributes")) {
      let key = this.quoted();
      if (key === null) {
        const k = /^[A-Za-z0-9_\-./:]+/.exec(this.s.slice(this.pos));
        if (!k) this.fail(`Expected a key after "${m[0]}" (use backticks for keys with spaces)`);
        key = k[0];
        this.pos += key.length;
      }
      if (head === "attributes") {
        const attr = ATTRS.find((a) => a === key.toLowerCase());
        if (!attr) this.fail(`Unknown attribute "${key}": use name, status, source or id`, start);
        return { kind: "attr", key: attr };
      }
      const kind = head.startsWith("metric") ? "metrics" : head.startsWith("param") ? "params" : "tags";
      return { kind, key };
    }
    const attr = ATTRS.find((a) => a === head);
    if (!m[2] && attr) return { kind: "attr", key: attr };
    return this.fail(`Unknown field "${this.s.slice(start, this.pos)}": use metrics.<key>, params.<key>, tags.<key>, name, status, source or id`, start);
  }

  op(): Op {
    this.skip();
    const m = /^(==|!=|<=|>=|=|<|>|~)/.exec(this.s.slice(this.pos));
    if (!m) this.fail(`Expected an operator (= != < <= > >= ~)`);
    this.pos += m[0].length;
    return (m[0] === "==" ? "=" : m[0]) as Op;
  }

  value(op: string): string {
    this.skip();
    if (this.pos >= this.s.length) this.fail(`Expected a value after "${op}"`);
    const q = this.quoted();
    if (q !== null) return q;
    const m = /^[^\s'"`]+/.exec(this.s.slice(this.pos));
    if (!m) this.fail(`Expected a value after "${op}"`);
    this.pos += m[0].length;
    return m[0];
  }

  clause(): Clause {
    const field = this.field();
    const op = this.op();
    this.skip();
    const valueAt = this.pos;
    const value = this.value(op);
    const number = parseNumber(value);
    if (field.kind === "metrics") {
      if (number === null) this.fail(`metrics.${field.key} is a number: compare it with a number, not "${value}"`, valueAt);
      if (op === "~") this.fail(`~ (contains) is for text; use = < > with metrics`, valueAt);
    }
    return { field, op, value, number };
  }

  /** clause (and clause)* (or clause (and clause)*)* → a list of and-groups. */
  expression(): Clause[][] {
    const groups: Clause[][] = [[this.clause()]];
    while (!this.done()) {
      const m = /^(and|or|&&|\|\|)(?=\s|$)/i.exec(this.s.slice(this.pos));
      if (!m) this.fail(`Expected "and" or "or" before "${this.s.slice(this.pos, this.pos + 12)}"`);
      this.pos += m[0].length;
      if (this.done()) this.fail(`Expected a condition after "${m[0]}"`);
      const clause = this.clause();
      if (/^(or|\|\|)$/i.test(m[0])) groups.push([clause]);
      else groups[groups.length - 1].push(clause);
    }
    return groups;
  }
}

function compareNumbers(x: number, op: Op, y: number): boolean {
  if (Number.isNaN(x) || Number.isNaN(y)) return op === "=" ? Number.isNaN(x) && Number.isNaN(y) : op === "!=" ? !(Number.isNaN(x) && Number.isNaN(y)) : false;
  switch (op) {
    case "=":
      return x === y;
    case "!=":
      return x !== y;
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    case ">=":
      return x >= y;
    default:
      return false;
  }
}

function matches(run: FilterableRun, c: Clause): boolean {
  if (c.field.kind === "metrics") {
    const summary = run.metrics[c.field.key];
    if (!summary || c.number === null) return false;
    return compareNumbers(fromWire(summary.latest), c.op, c.number);
  }
  const text = c.field.kind === "attr" ? run[c.field.key] : c.field.kind === "params" ? run.params[c.field.key] : run.tags[c.field.key];
  if (text === undefined || text === null) return false;
  if (c.op === "~") return text.toLowerCase().includes(c.value.toLowerCase());
  const asNumber = parseNumber(text.trim());
  if (asNumber !== null && c.number !== null) return compareNumbers(asNumber, c.op, c.number);
  if (c.field.kind === "attr" && (c.op === "=" || c.op === "!=")) {
    const same = text.toLowerCase() === c.value.toLowerCase();
    return c.op === "=" ? same : !same;
  }
  const cmp = text.localeCompare(c.value);
  return compareNumbers(cmp, c.op, 0);
}

export function parseRunFilter(input: string): RunFilter {
  if (!input.trim()) return { ok: true, kind: "empty", test: () => true };
  if (!looksLikeExpression(input)) {
    const words = input.toLowerCase().split(/\s+/).filter(Boolean);
    return {
      ok: true,
      kind: "text",
      test: (run) => {
        const hay = [run.name, run.id, run.status, run.source, ...Object.entries(run.params).flat(), ...Object.entries(run.tags).flat()].join("\u0000").toLowerCase();
        return words.every((w) => hay.includes(w));
      },
    };
  }
  try {
    const groups = new Parser(input).expression();
    return { ok: true, kind: "expression", test: (run) => groups.some((g) => g.every((c) => matches(run, c))) };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, error: error.message, column: error.column };
    throw error;
  }
}
