/** Positions and ranges between the lab's 1-based lines and columns and VS Code's 0-based ones. */
import * as vscode from 'vscode';
import type { LineRange } from '../lab/language-service';

interface Span {
  line: number;
  column: number;
  length: number;
}

export function toRange(span: Span): vscode.Range {
  const line = Math.max(0, span.line - 1);
  const start = Math.max(0, span.column - 1);
  return new vscode.Range(line, start, line, start + Math.max(0, span.length));
}

export function toLineRange(range: LineRange): vscode.Range {
  return new vscode.Range(
    Math.max(0, range.startLine - 1),
    Math.max(0, range.startColumn - 1),
    Math.max(0, range.endLine - 1),
    Math.max(0, range.endColumn - 1),
  );
}

/** The lab's (line, column) of a VS Code position. */
export function fromPosition(position: vscode.Position): { line: number; column: number } {
  return { line: position.line + 1, column: position.character + 1 };
}
