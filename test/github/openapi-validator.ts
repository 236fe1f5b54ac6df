// Checks requests against GitHub's OpenAPI description (@octokit/openapi): path, method, parameters and body.
// Loaded once per process (73 MB dereferenced); each operation's schemas are compiled the first time it is used.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
type Operation = {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
};
type Route = { method: string; template: string; pattern: RegExp; names: string[]; params: number; op: Operation };

export type Matched = { operationId: string; params: Record<string, string>; problems: string[] };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export class OpenApiValidator {
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly ajv: Ajv;
  private readonly coercing: Ajv;

  private constructor(private readonly routes: Route[]) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    this.coercing = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
    addFormats.default(this.ajv);
    addFormats.default(this.coercing);
  }

  /** Reads `generated/api.github.com.deref.json` only (the package's index loads every variant). */
  static async load(): Promise<OpenApiValidator> {
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.deref.json');
    const spec = JSON.parse(await readFile(file, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
    const routes: Route[] = [];
    for (const [template, item] of Object.entries(spec.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const names: string[] = [];
        const source = template.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '{' || c === '}' ? c : `\\${c}`));
        const pattern = new RegExp(
          `^${source.replace(/\{([^}]+)\}/g, (_m, name: string) => {
            names.push(name);
            return '([^/]+)';
          })}$`,
        );
        routes.push({ method: method.toUpperCase(), template, pattern, names, params: names.length, op });
      }
    }
    // A literal segment beats a parameter: `/repos/{o}/{r}/check-runs` before `/repos/{o}/{r}/{x}`.
    routes.sort((a, b) => a.params - b.params);
    return new OpenApiValidator(routes);
  }

  /** The operation a request is, with every way it breaks the description; undefined when none matches. */
  match(method: string, path: string, query: Record<string, string>, body: unknown): Matched | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const found = route.pattern.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1] ?? '');
      });
      return { operationId: route.op.operationId, params, problems: this.problems(route, params, query, body) };
    }
    return undefined;
  }

  private problems(route: Route, params: Record<string, string>, query: Record<string, string>, body: unknown) {
    const problems: string[] = [];
    const declared = route.op.parameters ?? [];
    for (const p of declared) {
      const value = p.in === 'path' ? params[p.name] : p.in === 'query' ? query[p.name] : undefined;
      if (p.in !== 'path' && p.in !== 'query') continue;
      if (value === undefined) {
        if (p.required) problems.push(`missing ${p.in} parameter ${p.name}`);
        continue;
      }
      if (p.schema && !this.validator(`${route.op.operationId}:${p.in}:${p.name}`, p.schema, true)(value)) {
        problems.push(`${p.in} parameter ${p.name}=${value} does not match its schema`);
      }
    }
    for (const name of Object.keys(query)) {
      if (!declared.some((p) => p.in === 'query' && p.name === name)) problems.push(`unknown query parameter ${name}`);
    }
    const content = route.op.requestBody?.content?.['application/json']?.schema;
    if (body === undefined) {
      if (route.op.requestBody?.required) problems.push('missing request body');
    } else if (content) {
      const validate = this.validator(`${route.op.operationId}:body`, content, false);
      if (!validate(body)) problems.push(`body: ${this.ajv.errorsText(validate.errors)}`);
    } else if (!route.op.requestBody) {
      problems.push('this operation takes no body');
    }
    return problems;
  }

  /** Compiled once per key; path and query values (strings) are coerced to the schema's type. */
  private validator(key: string, schema: Schema, coerce: boolean): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = coerce
        ? // Coercion writes the value back into its container, so the value is checked inside one.
          this.coercing.compile({ type: 'object', properties: { v: withoutNullable(schema) } })
        : this.ajv.compile(withoutNullable(schema));
      this.compiled.set(key, validate);
    }
    if (!coerce) return validate;
    const wrapped = validate;
    return ((value: unknown) => wrapped({ v: value })) as ValidateFunction;
  }
}

/**
 * GitHub's description puts `nullable` next to `anyOf` without a `type`, which ajv refuses; OpenAPI 3.0's
 * `nullable: true` becomes "or null" here.
 */
function withoutNullable(schema: unknown): Schema {
  const seen = new Map<unknown, unknown>();
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    if (seen.has(node)) return seen.get(node);
    const out: Record<string, unknown> = {};
    seen.set(node, out);
    for (const [key, value] of Object.entries(node)) if (key !== 'nullable') out[key] = walk(value);
    if ((node as { nullable?: boolean }).nullable !== true) return out;
    const type = out.type;
    if (typeof type === 'string') {
      out.type = [type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  };
  return walk(schema) as Schema;
}
