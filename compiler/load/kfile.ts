import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YNode, type Pair } from 'yaml';
import type { SourceLocation } from '../types.js';

/**
 * A small positioned view over a YAML file parsed with the `yaml` package, used for
 * kforge's own inputs (kustomization files, waivers, environment data): every value
 * keeps the line and column it was written at.
 */
export class PositionedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false, strict: true });
  }

  at(node: YNode | Pair | undefined | null, fallback?: SourceLocation): SourceLocation {
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (!range) {
      const k = (node as Pair | undefined)?.key as YNode | undefined;
      if (k && (k as { range?: unknown }).range) return this.at(k, fallback);
      return fallback ?? { file: this.file, line: 1, column: 1 };
    }
    const p = this.lines.linePos(range[0]);
    return { file: this.file, line: p.line, column: p.col };
  }

  offsetAt(offset: number): SourceLocation {
    const p = this.lines.linePos(offset);
    return { file: this.file, line: p.line, column: p.col };
  }
}

export { isMap, isScalar, isSeq };
