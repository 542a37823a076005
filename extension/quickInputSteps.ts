/**
 * What every quick pick and input box a command of the extension opens carries: it stays open
 * when the focus moves, as in VS Code's multi-step sample. Escape still cancels.
 *
 * When the palette, or one step's pick, closes, VS Code gives the focus back to what had it
 * before. A webview (the image editor, the CRIU view, the panel) takes it a moment later, through
 * a message to its frame. On a busy machine that can land after the command's next question has
 * opened: without this the question lost the focus, closed, and the command ended as if the user
 * had cancelled it, saying nothing (issue #8: Restart This Image… from the palette, with its image
 * open, then restarted nothing). Taking the focus away from a question is tested in
 * test/e2e/imageEditor.test.ts.
 */
export const stepOptions = { ignoreFocusOut: true } as const;
