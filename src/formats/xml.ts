import { SaxesParser } from 'saxes';
import { badFile } from './errors.ts';

export interface XmlEvents {
  /** An element opened; `path` lists local names from the root, this one last. */
  open?(name: string, attributes: Record<string, string>, path: readonly string[]): void;
  /** An element closed with its (trimmed) text content. */
  close?(name: string, text: string, path: readonly string[]): void;
}

/** Element names without namespace prefixes: TCX and GPX files use many prefix spellings. */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/**
 * Streams an XML document through saxes, tracking the element path and text. Malformed
 * XML (a truncated file) becomes a `bad_request` that names the position.
 */
export function walkXml(text: string, what: string, events: XmlEvents): void {
  const parser = new SaxesParser({ position: true });
  const path: string[] = [];
  const texts: string[] = [];
  let failure: Error | undefined;
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    path.push(name);
    texts.push('');
    if (events.open) {
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(tag.attributes))
        attributes[localName(key)] = typeof value === 'string' ? value : value.value;
      events.open(name, attributes, path);
    }
  });
  parser.on('text', (chunk) => {
    if (texts.length > 0) texts[texts.length - 1] += chunk;
  });
  parser.on('cdata', (chunk) => {
    if (texts.length > 0) texts[texts.length - 1] += chunk;
  });
  parser.on('closetag', (tag) => {
    const text = (texts.pop() ?? '').trim();
    events.close?.(localName(tag.name), text, path);
    path.pop();
  });
  parser.on('error', (error) => {
    failure ??= error;
  });
  try {
    // Some exporters put blank lines before the XML declaration; XML forbids it, readers tolerate it.
    parser.write(text.replace(/^\uFEFF/, '').trimStart()).close();
  } catch (error) {
    failure ??= error as Error;
  }
  if (failure)
    throw badFile(
      `the ${what} file is not well-formed XML (truncated or corrupted): ${failure.message.split('\n')[0]}`,
    );
}

export function parseTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
