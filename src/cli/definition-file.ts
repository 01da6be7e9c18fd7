// Campaign files for `campaigns create|update -f`: JSON or YAML, with a way back from an API
// issue's path (steps.1.duration) to the line of the file that holds it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { CliError, type ApiIssue } from './errors';

export interface DefinitionFile {
  file: string;
  value: unknown;
  /** The 1-based line holding the value at `issuePath`, or its nearest parent that exists. */
  lineOf(issuePath: string): number | undefined;
}

function jsonErrorLocation(text: string, err: Error): string {
  const position = /position (\d+)/.exec(err.message);
  if (!position) return err.message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  return `${err.message.replace(/ in JSON at position \d+.*$/, '')} (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

export function readDefinitionFile(file: string): DefinitionFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const isJson = path.extname(file).toLowerCase() === '.json';
  let value: unknown;
  if (isJson) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new CliError(`${file} is not valid JSON: ${jsonErrorLocation(text, err as Error)}`);
    }
  }
  // YAML is a superset of JSON, so one parser also maps a JSON file's paths to lines.
  const document = parseDocument(text, { lineCounter });
  if (!isJson) {
    const [first] = document.errors;
    if (first) {
      // The message's first line already ends "at line L, column C:"; the rest quotes the source.
      throw new CliError(`${file} is not valid YAML: ${first.message.split('\n')[0].replace(/:$/, '')}`);
    }
    value = document.toJS();
  }
  return {
    file,
    value,
    lineOf(issuePath) {
      if (document.errors.length > 0) return undefined;
      const segments = issuePath === '(root)' ? [] : issuePath.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      for (let n = segments.length; n >= 0; n--) {
        const node = document.getIn(segments.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** Issues with the file and line each one points at, e.g. "steps.1.duration: must be … (campaign.yaml:12)". */
export function issuesWithLines(definition: DefinitionFile, issues: ApiIssue[]): string[] {
  return issues.map((issue) => {
    const line = definition.lineOf(issue.path);
    return `${issue.path}: ${issue.message}${line ? ` (${definition.file}:${line})` : ''}`;
  });
}
