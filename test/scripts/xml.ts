/**
 * A small XML well-formedness check for the SVG charts (no parser dependency): every tag
 * closed in order, attributes quoted, no bare `&` or `<` in text. Returns the problems found
 * and the elements seen (name and attributes), for the tests to count bars and read labels.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  /** Text directly inside the element. */
  text: string;
}

export function checkXml(xml: string): { errors: string[]; elements: XmlElement[] } {
  const errors: string[] = [];
  const elements: XmlElement[] = [];
  const stack: XmlElement[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g;
  let last = 0;
  const checkEscapes = (text: string) => {
    if (/[<>]/.test(text)) errors.push(`bare < or > in text: ${text.slice(0, 40)}`);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text))
      errors.push(`bare & in text: ${text.slice(0, 40)}`);
  };
  const checkText = (text: string) => {
    checkEscapes(text);
    if (stack.length > 0) stack[stack.length - 1]!.text += text;
    else if (text.trim() !== '') errors.push(`text outside the root: ${text.slice(0, 40)}`);
  };
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    checkText(xml.slice(last, m.index));
    last = token.lastIndex;
    if (m[2] === undefined) continue; // comment or declaration
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name)
        errors.push(`</${name}> closes ${open ? `<${open.name}>` : 'nothing'}`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (attrText ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (a[1]! in attrs) errors.push(`duplicate attribute ${a[1]} on <${name}>`);
      attrs[a[1]!] = a[2]!;
      checkEscapes(a[2]!);
    }
    const el: XmlElement = { name: name!, attrs, text: '' };
    if (stack.length === 0 && elements.length > 0) errors.push(`second root element <${name}>`);
    elements.push(el);
    if (!selfClosing) stack.push(el);
  }
  checkText(xml.slice(last));
  for (const open of stack) errors.push(`<${open.name}> never closed`);
  if (/<(?![/!?A-Za-z])/.test(xml)) errors.push('a < that starts no tag');
  return { errors, elements };
}
