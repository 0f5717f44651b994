import type { Resource, SourceLocation } from '../compiler/types.js';
import { locatePointer } from '../compiler/load/yaml/index.js';
import type { LocateField } from './types.js';

/**
 * Line and column of a JSON pointer inside document `docIndex` of a YAML text (the key of a
 * mapping entry, the item of a sequence; aliases and merge keys followed). Pure; used for
 * lazy patch positions (FieldSource.lazy) and by callers to build a `locateField`.
 */
export function locateInText(text: string, docIndex: number, pointer: string): { line: number; column: number } | undefined {
  return locatePointer(text, docIndex, pointer);
}

/** Parent pointers of a pointer, itself first. */
function* selfAndParents(pointer: string): Generator<string> {
  let p = pointer;
  for (;;) {
    yield p;
    if (p === '') return;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

/**
 * Best source location for a field of a resource:
 * 1. the last fieldSources entry that set that pointer or a parent of it (exact line inside the patch when lazy);
 * 2. the field's line in the resource's own file (via the injected locateField);
 * 3. the document's origin.
 */
export function locate(r: Resource, pointer: string | undefined, locateField?: LocateField): SourceLocation | undefined {
  const o = r.origin;
  if (!o) return undefined;
  if (pointer !== undefined) {
    const fss = o.fieldSources ?? [];
    for (let i = fss.length - 1; i >= 0; i--) {
      const fs = fss[i];
      if (pointer === fs.pointer || pointer.startsWith(fs.pointer + '/') || fs.pointer === '') {
        if (fs.lazy) {
          const rest = pointer.slice(fs.pointer.length);
          const pos = locateInText(fs.lazy.text, fs.lazy.docIndex, fs.lazy.pointer + rest) ?? locateInText(fs.lazy.text, fs.lazy.docIndex, fs.lazy.pointer);
          if (pos) {
            const at = fs.lazy.at;
            return at ? { file: fs.location.file, line: pos.line + at.line - 1, column: pos.column + at.column - 1 } : { file: fs.location.file, ...pos };
          }
        }
        return fs.location;
      }
    }
    if (locateField && o.location) {
      const prefix = o.listItemIndex !== undefined ? `/items/${o.listItemIndex}` : '';
      for (const p of selfAndParents(pointer)) {
        if (p === '') break;
        const pos = locateField(o.location.file, o.documentIndex ?? 0, prefix + p);
        if (pos) return { file: o.location.file, ...pos };
      }
    }
  }
  return o.location;
}
