// Webhook requests are JSON structures whose string leaves are Handlebars templates. Each
// leaf is rendered on its own and put back into the structure, so the body is valid JSON
// whatever the values are. A leaf that is exactly one `{{path}}` keeps the value's JSON
// type (a number stays a number). Templates run in strict mode: a missing variable is an
// error, never a silently empty string.
import Handlebars from 'handlebars';
import { FORBIDDEN_KEYS, readPath } from './paths';

const handlebars = Handlebars.create();

/** Longest output a template leaf may render; values can make a small template large. */
export const MAX_RENDERED_BYTES = 256 * 1024;

const BUDGET_PROBLEM = `the rendered output passes its budget of ${MAX_RENDERED_BYTES} bytes; rendering stopped`;

// Only #each repeats its block, so it is where a render can grow without bound: an 8 KiB
// template looping over a large array could build hundreds of megabytes before any size
// check. Each loop's output is part of the leaf's output, so a loop that passes the budget
// stops the render at once.
const builtInEach = handlebars.helpers.each;
handlebars.registerHelper('each', function (this: unknown, context: unknown, options: Handlebars.HelperOptions) {
  let length = 0;
  const fn = (item: unknown, itemOptions?: Handlebars.RuntimeOptions) => {
    const output = options.fn(item, itemOptions);
    length += output.length;
    if (length > MAX_RENDERED_BYTES) throw new Error(BUDGET_PROBLEM);
    return output;
  };
  return builtInEach.call(this, context, { ...options, fn });
});

// knownHelpersOnly turns an unknown helper into a compile error at save time.
const COMPILE_OPTIONS: CompileOptions = { strict: true, noEscape: true, knownHelpersOnly: true };

const SOLE_PATH = /^\{\{\{?\s*([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s*\}?\}\}$/;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface RequestTemplate {
  method: string;
  /** A full URL; or, with a destination, `path` under the destination's URL. */
  url?: string;
  destination?: string;
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: Json;
}

export interface RenderedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export class TemplateError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'TemplateError';
  }
}

/**
 * What a compiling template does that a campaign may not: read a prototype key (by path or
 * through lookup), or use a partial, a decorator or the log helper, which would fail or write
 * to the console at send time. Handlebars also blocks prototype reads when rendering; refusing
 * them at save time tells the author at once.
 */
class ForbiddenUse extends Handlebars.Visitor {
  problem?: string;

  private refuse(problem: string): void {
    this.problem ??= problem;
  }

  PathExpression(path: hbs.AST.PathExpression): void {
    const key = path.parts.find((part) => FORBIDDEN_KEYS.has(part));
    if (key) this.refuse(`template reads "${key}", which is not allowed`);
    else if (path.original === 'log') this.refuse('the log helper is not available');
  }

  StringLiteral(literal: hbs.AST.StringLiteral): void {
    if (FORBIDDEN_KEYS.has(literal.value)) this.refuse(`template reads "${literal.value}", which is not allowed`);
  }

  PartialStatement(): void {
    this.refuse('template uses a partial; partials are not available');
  }

  PartialBlockStatement(): void {
    this.refuse('template uses a partial; partials are not available');
  }

  Decorator(): void {
    this.refuse('template uses a decorator; decorators are not available');
  }

  DecoratorBlock(): void {
    this.refuse('template uses a decorator; decorators are not available');
  }
}

/**
 * Handlebars reads `items.0.1` as a number after a dot and refuses it; `items.[0].[1]` is its
 * spelling of the same path. Index segments are rewritten so templates address array items
 * as conditions and MongoDB do. A number on its own (`1.5`) starts with a digit and is left alone.
 */
const INDEX_SEGMENT = /(?<=[A-Za-z_@][\w-]*(?:\.(?:\d+|\[\d+\]))*)\.(\d+)(?=[.\s}~)]|$)/g;
const MUSTACHE = /\{\{[^}]*\}\}/g;

function withIndexSegments(source: string): string {
  return source.replace(MUSTACHE, (mustache) => mustache.replace(INDEX_SEGMENT, '.[$1]'));
}

/** Why a template cannot be used, or undefined when it compiles and reads nothing forbidden. */
export function templateProblem(source: string): string | undefined {
  try {
    handlebars.precompile(withIndexSegments(source), COMPILE_OPTIONS);
  } catch (err) {
    return `template does not compile: ${firstLine(err)}`;
  }
  const visitor = new ForbiddenUse();
  visitor.accept(handlebars.parse(withIndexSegments(source)));
  return visitor.problem;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();
const COMPILED_CACHE_LIMIT = 5_000;

function renderString(source: string, scope: object, path: string): string {
  let template = compiled.get(source);
  if (!template) {
    template = handlebars.compile(withIndexSegments(source), COMPILE_OPTIONS);
    if (compiled.size >= COMPILED_CACHE_LIMIT) compiled.clear();
    compiled.set(source, template);
  }
  let output: string;
  try {
    output = template(scope);
  } catch (err) {
    throw new TemplateError(path, firstLine(err));
  }
  if (output.length > MAX_RENDERED_BYTES) throw new TemplateError(path, BUDGET_PROBLEM);
  return output;
}

/** Renders a JSON leaf: a sole `{{path}}` takes the value from `scope`, any other text renders over `text`. */
function renderJson(value: Json, scope: object, text: object, path: string): Json {
  if (typeof value === 'string') {
    const sole = SOLE_PATH.exec(value);
    if (!sole) return renderString(value, text, path);
    const found = readPath(scope, sole[1]);
    if (found === undefined) throw new TemplateError(path, `"${sole[1]}" is not defined`);
    return found as Json;
  }
  if (Array.isArray(value)) return value.map((item, i) => renderJson(item, scope, text, `${path}.${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderJson(v, scope, text, `${path}.${k}`)]));
  }
  return value;
}

function renderRecord(record: Record<string, string> | undefined, scope: object, path: string): Record<string, string> {
  return Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k, renderString(v, scope, `${path}.${k}`)]));
}

/**
 * The scope as text leaves see it: every string passed through `text`, and every object
 * written as its JSON when placed inside text. An object's own text form would otherwise be
 * "[object Object]", or an error when the customer's data has a key named "toString".
 */
function textScope(value: unknown, text: (source: string) => string): unknown {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((item) => textScope(item, text));
  if (value === null || typeof value !== 'object') return value;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return text(String(value));
  const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, textScope(v, text)]));
  return Object.defineProperty(copy, Symbol.toPrimitive, { value: () => text(JSON.stringify(value)) });
}

const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * The destination's URL with a rendered `path` under it. The request carries the destination's
 * credentials, so it must stay under the destination's origin and path: values arrive encoded
 * as one segment each, a "." or ".." segment is refused, and the result is checked.
 */
function destinationUrl(baseUrl: string, renderedPath: string): URL {
  const base = new URL(baseUrl);
  const [pathAndQuery] = renderedPath.split('#');
  const [path, query = ''] = pathAndQuery.split(/\?(.*)/s);
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment))) {
    throw new TemplateError(
      'path',
      `"${renderedPath}" holds a "." or ".." segment, which would leave the destination's path`,
    );
  }
  const url = new URL(base);
  const prefix = base.pathname.replace(/\/+$/, '');
  if (path) url.pathname = `${prefix}/${path.replace(/^\/+/, '')}`;
  for (const [key, value] of new URLSearchParams(query)) url.searchParams.append(key, value);
  if (url.origin !== base.origin || (url.pathname !== base.pathname && !url.pathname.startsWith(`${prefix}/`))) {
    throw new TemplateError('path', `"${renderedPath}" leads out of the destination ${base.origin}${base.pathname}`);
  }
  return url;
}

function targetUrl(template: RequestTemplate, scope: object, text: object, baseUrl: string | undefined): URL {
  if (template.url === undefined) {
    if (baseUrl === undefined) throw new TemplateError('destination', 'the request names no url and no destination');
    // Each value arrives encoded as one URL path segment ("../a?b" becomes "..%2Fa%3Fb").
    const segments = textScope(scope, encodeURIComponent) as object;
    return destinationUrl(baseUrl, renderString(template.path ?? '', segments, 'path'));
  }
  const rendered = renderString(template.url, text, 'url');
  try {
    return new URL(rendered);
  } catch {
    throw new TemplateError('url', `"${rendered}" is not a valid URL`);
  }
}

/** Renders a request; `baseUrl` is the destination's URL when the template names one. */
export function renderRequest(template: RequestTemplate, scope: object, baseUrl?: string): RenderedRequest {
  const text = textScope(scope, (source) => source) as object;
  const url = targetUrl(template, scope, text, baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TemplateError('url', `protocol ${url.protocol} is not allowed; use http or https`);
  }
  for (const [key, value] of Object.entries(renderRecord(template.query, text, 'query'))) {
    url.searchParams.append(key, value);
  }
  const headers = renderRecord(template.headers, text, 'headers');
  for (const [name, value] of Object.entries(headers)) {
    // A value from an event must not split the header; sending would fail on every retry.
    if (/[\r\n\0]/.test(value))
      throw new TemplateError(
        `headers.${name}`,
        'the rendered value contains a line break or NUL, which a header cannot carry',
      );
  }
  const body = template.body === undefined ? undefined : JSON.stringify(renderJson(template.body, scope, text, 'body'));
  if (body !== undefined && Buffer.byteLength(body) > MAX_RENDERED_BYTES) {
    throw new TemplateError('body', `the rendered body is larger than ${MAX_RENDERED_BYTES} bytes`);
  }
  return { method: template.method, url: url.toString(), headers, body };
}

/** Every string leaf of a request template with its path, to validate them when a campaign is saved. */
export function templateLeaves(template: RequestTemplate): Array<[path: string, source: string]> {
  const leaves: Array<[string, string]> = [];
  if (template.url !== undefined) leaves.push(['url', template.url]);
  if (template.path !== undefined) leaves.push(['path', template.path]);
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') leaves.push([path, value]);
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}.${i}`));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    }
  };
  walk(template.headers, 'headers');
  walk(template.query, 'query');
  walk(template.body, 'body');
  return leaves;
}

/** What a template may read without the user's profile: every root of the scope but `user`, and `user.id`. */
const ROOTS_WITHOUT_PROFILE = new Set(['event', 'campaign', 'journey', 'steps']);

/** Finds a path that may read the user's profile properties; see readsUserProperties. */
class ProfileReads extends Handlebars.Visitor {
  reads = false;

  PathExpression(path: hbs.AST.PathExpression): void {
    const [head, next] = path.parts;
    if (path.data) this.reads ||= head === 'root';
    else if (path.depth > 0 || head === undefined) this.reads = true;
    else if (path.parts.length === 1 && Object.hasOwn(handlebars.helpers, head)) return;
    else if (head === 'user') this.reads ||= next !== 'id';
    else this.reads ||= !ROOTS_WITHOUT_PROFILE.has(head);
  }
}

/**
 * Whether rendering the request may read the user's profile properties, so that a webhook
 * built from the event alone costs no profile read. Errs towards yes: a path relative to a
 * block's item, a parent (`../`), `this`, `@root` or a template that does not parse counts.
 */
export function readsUserProperties(template: RequestTemplate): boolean {
  return templateLeaves(template).some(([, source]) => leafReadsProfile(source));
}

const profileReads = new Map<string, boolean>();

function leafReadsProfile(source: string): boolean {
  let reads = profileReads.get(source);
  if (reads === undefined) {
    const visitor = new ProfileReads();
    try {
      visitor.accept(handlebars.parse(withIndexSegments(source)));
      reads = visitor.reads;
    } catch {
      reads = true;
    }
    if (profileReads.size >= COMPILED_CACHE_LIMIT) profileReads.clear();
    profileReads.set(source, reads);
  }
  return reads;
}
