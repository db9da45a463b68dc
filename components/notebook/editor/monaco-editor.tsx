"use client";

// Monaco for notebook cells, fully offline: the editor and its worker come from our own bundle
// (loader.config), never from a CDN. Loaded only in the browser (see code-editor.tsx).
import { useEffect, useRef } from "react";
import Editor, { loader, type OnMount } from "@monaco-editor/react";
import * as monaco from "monaco-editor";

declare global {
  interface Window {
    MonacoEnvironment?: monaco.Environment;
  }
}

self.MonacoEnvironment = {
  getWorker: () => new Worker(new URL("monaco-editor/editor/editor.worker.js", import.meta.url), { type: "module" }),
};
loader.config({ monaco });

export type EditorCommand = "run" | "run-next" | "run-insert" | "command-mode" | "previous-cell" | "next-cell" | "split" | "save";

export interface Completion {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  types?: (string | undefined)[];
}

export type Completer = (code: string, cursorPos: number) => Promise<Completion | null>;

export interface MonacoCellEditorProps {
  value: string;
  language: "python" | "markdown" | "plaintext";
  onChange(value: string): void;
  onCommand(command: EditorCommand, detail: { cursorOffset: number }): void;
  onInspect(code: string, cursorPos: number): void;
  complete: Completer | null;
  /** Where to put the cursor when the editor opens: a character offset, or "end". */
  initialCursor: number | "end";
  readOnly: boolean;
}

// Completion comes from the kernel; one provider per language routes each model to its cell.
const completers = new Map<string, Completer>();
let providerRegistered = false;

const kindOf = (type: string | undefined): monaco.languages.CompletionItemKind => {
  const k = monaco.languages.CompletionItemKind;
  switch (type) {
    case "function":
      return k.Function;
    case "class":
      return k.Class;
    case "module":
      return k.Module;
    case "keyword":
      return k.Keyword;
    case "instance":
    case "statement":
      return k.Variable;
    case "path":
      return k.File;
    default:
      return k.Text;
  }
};

function registerCompletionProvider(): void {
  if (providerRegistered) return;
  providerRegistered = true;
  monaco.languages.registerCompletionItemProvider("python", {
    async provideCompletionItems(model, position) {
      const complete = completers.get(model.uri.toString());
      if (!complete) return { suggestions: [] };
      const offset = model.getOffsetAt(position);
      const result = await complete(model.getValue(), offset);
      if (!result) return { suggestions: [] };
      const start = model.getPositionAt(result.cursorStart);
      const end = model.getPositionAt(result.cursorEnd);
      const range = new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column);
      return {
        suggestions: result.matches.map((match, i) => ({
          label: match,
          insertText: match,
          kind: kindOf(result.types?.[i]),
          range,
          sortText: String(i).padStart(6, "0"),
        })),
      };
    },
  });
}

export default function MonacoCellEditor({ value, language, onChange, onCommand, onInspect, complete, initialCursor, readOnly }: MonacoCellEditorProps) {
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const containerRef = useRef<HTMLDivElement>(null);
  // Handlers change every render; the editor's commands read the latest through refs.
  const handlers = useRef({ onChange, onCommand, onInspect, complete });
  useEffect(() => {
    handlers.current = { onChange, onCommand, onInspect, complete };
  });

  // Changes from elsewhere (another tab, an undo of a cell operation) replace the text.
  useEffect(() => {
    const editor = editorRef.current;
    if (editor && editor.getValue() !== value) {
      const model = editor.getModel();
      if (model) editor.executeEdits("remote", [{ range: model.getFullModelRange(), text: value }]);
    }
  }, [value]);

  useEffect(() => {
    const editor = editorRef.current;
    const uri = editor?.getModel()?.uri.toString();
    if (!uri) return;
    if (complete) completers.set(uri, (code, pos) => handlers.current.complete?.(code, pos) ?? Promise.resolve(null));
    else completers.delete(uri);
    return () => void completers.delete(uri);
  }, [complete]);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    registerCompletionProvider();
    const model = editor.getModel();
    if (model && handlers.current.complete) completers.set(model.uri.toString(), (code, pos) => handlers.current.complete?.(code, pos) ?? Promise.resolve(null));
    const offset = () => (model ? model.getOffsetAt(editor.getPosition() ?? new monaco.Position(1, 1)) : 0);
    const command = (name: EditorCommand) => () => handlers.current.onCommand(name, { cursorOffset: offset() });
    const { KeyMod, KeyCode } = monaco;
    editor.addCommand(KeyMod.Shift | KeyCode.Enter, command("run-next"));
    editor.addCommand(KeyMod.CtrlCmd | KeyCode.Enter, command("run"));
    editor.addCommand(KeyMod.Alt | KeyCode.Enter, command("run-insert"));
    editor.addCommand(KeyMod.CtrlCmd | KeyMod.Shift | KeyCode.Minus, command("split"));
    editor.addCommand(KeyMod.CtrlCmd | KeyCode.KeyS, command("save"));
    editor.addCommand(KeyCode.Escape, command("command-mode"), "!suggestWidgetVisible && !findWidgetVisible && !parameterHintsVisible");
    // Tab completes after a name (Jupyter's key); elsewhere it indents.
    editor.addCommand(
      KeyCode.Tab,
      () => {
        const position = editor.getPosition();
        const before = position && model ? model.getLineContent(position.lineNumber).slice(0, position.column - 1) : "";
        if (handlers.current.complete && /[\w.)\]'"]$/.test(before)) editor.trigger("keyboard", "editor.action.triggerSuggest", {});
        else editor.trigger("keyboard", "tab", null);
      },
      "!suggestWidgetVisible && !inSnippetMode && !editorHasSelection",
    );
    editor.addCommand(KeyMod.Shift | KeyCode.Tab, () => handlers.current.onInspect(editor.getValue(), offset()), "!suggestWidgetVisible && !editorHasSelection");
    // Arrow keys leave the cell at its first and last line, as in Jupyter.
    editor.onKeyDown((event) => {
      const position = editor.getPosition();
      if (!position || !model || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
      if (document.querySelector(".suggest-widget.visible")) return;
      if (event.keyCode === KeyCode.UpArrow && position.lineNumber === 1) {
        event.preventDefault();
        handlers.current.onCommand("previous-cell", { cursorOffset: 0 });
      } else if (event.keyCode === KeyCode.DownArrow && position.lineNumber === model.getLineCount()) {
        event.preventDefault();
        handlers.current.onCommand("next-cell", { cursorOffset: 0 });
      }
    });
    // The editor is as tall as its text: the page scrolls, not the cell.
    const fit = () => {
      const height = Math.max(editor.getContentHeight(), 20);
      if (containerRef.current) containerRef.current.style.height = `${height}px`;
      editor.layout({ width: containerRef.current?.clientWidth ?? editor.getLayoutInfo().width, height });
    };
    editor.onDidContentSizeChange(fit);
    fit();
    if (model) {
      const at = initialCursor === "end" ? model.getPositionAt(model.getValueLength()) : model.getPositionAt(initialCursor);
      editor.setPosition(at);
      editor.revealPositionInCenterIfOutsideViewport(at);
    }
    editor.focus();
  };

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const observer = new ResizeObserver(() => {
      const editor = editorRef.current;
      if (editor) editor.layout({ width: container.clientWidth, height: container.clientHeight });
    });
    observer.observe(container);
    return () => observer.disconnect();
  }, []);

  return (
    <div ref={containerRef} className="min-h-5 w-full" data-testid="cell-editor">
      <Editor
        value={value}
        language={language}
        theme="vs"
        onMount={onMount}
        onChange={(v) => handlers.current.onChange(v ?? "")}
        options={{
          readOnly,
          minimap: { enabled: false },
          lineNumbers: "off",
          glyphMargin: false,
          folding: false,
          lineDecorationsWidth: 8,
          lineNumbersMinChars: 0,
          scrollBeyondLastLine: false,
          renderLineHighlight: "none",
          overviewRulerLanes: 0,
          hideCursorInOverviewRuler: true,
          scrollbar: { vertical: "hidden", horizontal: "auto", alwaysConsumeMouseWheel: false },
          fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
          fontSize: 13,
          lineHeight: 19,
          padding: { top: 6, bottom: 6 },
          quickSuggestions: false,
          wordBasedSuggestions: "off",
          suggestOnTriggerCharacters: false,
          tabSize: 4,
          insertSpaces: true,
          automaticLayout: false,
          matchBrackets: "always",
          fixedOverflowWidgets: true,
          contextmenu: true,
          ariaLabel: "Cell source",
        }}
      />
    </div>
  );
}

const languagesReady = new Map<string, Promise<unknown>>();

/** Tokens of a cell that is not being edited, for colouring it without mounting an editor. */
export async function tokenize(text: string, language: string): Promise<{ offset: number; type: string }[][]> {
  // A language's tokenizer loads lazily; colorize() waits for it, tokenize() does not.
  if (!languagesReady.has(language)) languagesReady.set(language, monaco.editor.colorize("", language, {}));
  await languagesReady.get(language);
  return monaco.editor.tokenize(text, language).map((line) => line.map((t) => ({ offset: t.offset, type: t.type })));
}
